from anju.service.tests.conftest import svc  # noqa: F401  (a company, a project, people, problems)
