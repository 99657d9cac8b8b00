# frozen_string_literal: true

require_relative "lib/prefect_secrets/version"

Gem::Specification.new do |spec|
  spec.name = "prefect_secrets"
  spec.version = PrefectSecrets::BINDING_VERSION
  spec.summary = "Prefect 0.5.3 Secret(name).get() for Ruby, through the prefect-secrets native library"
  spec.description = <<~TEXT
    Resolves secrets exactly as Prefect 0.5.3's Python Secret(name).get() does (context,
    PREFECT__* environment variables, ~/.prefect/config.toml, Prefect's GraphQL server, or
    a Prefect 2/3 server's Secret blocks), by calling the prefect-secrets shared library's
    C ABI through Fiddle. The native library is not bundled: build it with
    `cargo build --release` or point PREFECT_SECRETS_LIB at it.
  TEXT
  spec.license = "Apache-2.0"
  spec.authors = ["prefect-secrets contributors"]
  spec.required_ruby_version = ">= 3.1"
  spec.files = Dir["lib/**/*.rb"] + ["README.md", "prefect_secrets.gemspec"]
  spec.require_paths = ["lib"]
  # Only the standard library: fiddle and json are default gems of Ruby 3.1.
  spec.metadata["rubygems_mfa_required"] = "true"
end
