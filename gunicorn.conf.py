# gunicorn reads this file from the directory it starts in (the benchmark starts it here).
# Its error and access logs mask ID numbers and phones like Django's (banyan/common/logging.py).
logger_class = "banyan.common.gunicorn_logging.Logger"
