# frozen_string_literal: true

module PrefectSecrets
  # The version of this Ruby binding (the native library reports its own through
  # PrefectSecrets.version).
  BINDING_VERSION = "0.1.0"
end
