# frozen_string_literal: true

# Prefect 0.5.3 secrets for Ruby, through the prefect-secrets native library (C ABI,
# loaded with Fiddle). See README.md.
#
#   require "prefect_secrets"
#   PrefectSecrets.context_set("DB", '{"user": "svc"}')
#   PrefectSecrets.get("DB") # => {"user"=>"svc"}

require_relative "prefect_secrets/version"
require_relative "prefect_secrets/errors"
require_relative "prefect_secrets/arguments"
require_relative "prefect_secrets/header"
require_relative "prefect_secrets/native"
require_relative "prefect_secrets/value_decoder"
require_relative "prefect_secrets/api"
