from django.apps import AppConfig


class ScaleConfig(AppConfig):
    name = "anju.scale"
    label = "scale"
    verbose_name = "Scale data"
