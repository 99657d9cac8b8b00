module github.com/prefect-secrets/prefect-secrets/bindings/go

go 1.19
