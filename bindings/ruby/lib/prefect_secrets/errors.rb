# frozen_string_literal: true

module PrefectSecrets
  # Raised when the native library cannot be found or lacks a function the C header
  # declares. A ::LoadError, so `rescue LoadError` catches it too.
  class LibraryLoadError < ::LoadError
  end

  # The base class of every error the library reports. #status is the library's status
  # code (a negative SecretStatus), #message the library's own explanation
  # (secret_last_error()), which never contains a secret value or a token. Each subclass
  # is named after its status (AuthError is SECRET_ERR_AUTH) and takes its STATUS from
  # the C header when the library loads (native.rb): no number is written here.
  class Error < StandardError
    # The SecretStatus code this class stands for (nil for the base class).
    STATUS = nil

    attr_reader :status

    def initialize(message = nil, status = self.class::STATUS)
      @status = status
      super(message)
    end

    # The class for a status code; unknown negative codes give the base class.
    def self.class_for(status)
      BY_STATUS.fetch(status, Error)
    end

    # An error of the right class for status with this message.
    def self.for_status(status, message)
      class_for(status).new(message, status)
    end
  end

  # SECRET_ERR_INVALID_ARGUMENT: an argument the library cannot take (a NUL byte in
  # a name, text that is not UTF-8, a timeout that is not positive...). Also raised by the
  # binding itself, without calling the library, for arguments C cannot carry.
  class InvalidArgumentError < Error
  end

  # SECRET_ERR_BUFFER_TOO_SMALL: the C buffer protocol's status. The getters never
  # raise it: the library sizes and allocates each value itself (secret_get_alloc).
  class BufferTooSmallError < Error
  end

  # SECRET_ERR_FLOW_BUILDING: a Flow is being built (flow_building = true).
  class FlowBuildingError < Error
  end

  # SECRET_ERR_AUTH: no token for the server, or it refused the token after a refresh;
  # with server_flavor :prefect_3, the server refused the API key or auth string (HTTP 401
  # or 403).
  class AuthError < Error
  end

  # SECRET_ERR_CLIENT: the server could not be asked, or its answer is unusable.
  class ClientError < Error
  end

  # SECRET_ERR_CONFIG: a configuration Prefect 0.5.3 would refuse (a broken
  # ~/.prefect/config.toml, a dangling backslash in a PREFECT__* variable...).
  class ConfigError < Error
  end

  # SECRET_ERR_INTERNAL: a bug in the library (a panic caught at its boundary).
  class InternalError < Error
  end
end
