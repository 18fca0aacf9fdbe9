from tests.demand.conftest import catalogue as catalogue  # the fixtures shared with demand's tests
from tests.timesheets.conftest import engagement as engagement
