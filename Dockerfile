# The web and worker image of LearnLinq Results Import. docker-compose.yml
# runs it as the web server (gunicorn), the Celery worker and the one-off
# migration step.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# python-magic loads libmagic to recognise attachment types; the slim image
# lacks it.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libmagic1 \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --system --uid 10001 --user-group --home-dir /app learnlinq

WORKDIR /app

# Dependencies first, so a code change reuses this layer. pyproject.toml
# declares no packages, so this installs only the dependencies.
COPY pyproject.toml README.md ./
RUN pip install .

COPY . .

ENV LEARNLINQ_EMBEDDED=0 \
    LEARNLINQ_VAR_DIR=/var/lib/learnlinq \
    MEDIA_ROOT=/var/lib/learnlinq/media \
    WHITENOISE_USE_FINDERS=0 \
    STATICFILES_STORAGE=whitenoise.storage.CompressedManifestStaticFilesStorage

# The key only lets the settings load for collectstatic; the containers get
# the real one from the environment.
RUN mkdir -p /var/lib/learnlinq/media \
    && SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && chown -R learnlinq:learnlinq /var/lib/learnlinq

USER learnlinq

EXPOSE 8000

# gthread workers keep answering the arbiter while a thread receives a large
# upload, so a slow 2 GB ZIP upload does not hit the worker timeout.
CMD ["gunicorn", "learnlinq.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--worker-class", "gthread", "--workers", "2", "--threads", "4", \
     "--timeout", "120", \
     "--access-logfile", "-"]
