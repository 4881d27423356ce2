from django.apps import AppConfig


class BenchConfig(AppConfig):
    name = "banyan.bench"
    label = "bench"
    verbose_name = "Benchmark"
