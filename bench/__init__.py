"""Scale tooling outside the API: the synthetic-city generator and the load benchmark."""
