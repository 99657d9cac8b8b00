# frozen_string_literal: true

require_relative "errors"

module PrefectSecrets
  # Converting Ruby arguments into what the C functions take. Wrong types raise
  # TypeError (a programming error); values C cannot carry raise InvalidArgumentError
  # without calling the library.
  module Arguments
    UTF_8 = Encoding::UTF_8
    PASS_THROUGH = [Encoding::UTF_8, Encoding::BINARY, Encoding::US_ASCII].freeze
    MAX_U64 = (2**64) - 1

    module_function

    # The UTF-8 bytes of a String or Symbol, as a binary String. UTF-8, binary and
    # US-ASCII strings are passed as they are, valid or not (the library rejects invalid
    # UTF-8 with InvalidArgumentError); other encodings are converted to UTF-8.
    def utf8_bytes(value, what)
      str = case value
            when String then value
            when Symbol then value.to_s
            else raise TypeError, "#{what} must be a String, not #{value.class}"
            end
      return str.b if PASS_THROUGH.include?(str.encoding)

      str.encode(UTF_8).b
    rescue EncodingError => e
      raise InvalidArgumentError.new("#{what} cannot be converted to UTF-8 (#{e.message})")
    end

    # The bytes of a NUL-terminated C string argument (without the NUL).
    def c_string(value, what)
      bytes = utf8_bytes(value, what)
      if bytes.include?("\0")
        raise InvalidArgumentError.new("#{what} contains a NUL byte, which a C string cannot carry")
      end

      bytes
    end

    # Like c_string, nil allowed (NULL).
    def optional_c_string(value, what)
      value.nil? ? nil : c_string(value, what)
    end

    # true or false, nothing else: Prefect tells true from "truthy" values.
    def boolean(value, what)
      return value if value == true || value == false

      raise TypeError, "#{what} must be true or false, not #{value.inspect}"
    end

    # A real number of seconds, as a Float (the library checks its range).
    def seconds(value, what)
      unless value.is_a?(Numeric) && value.real?
        raise TypeError, "#{what} must be a number of seconds, not #{value.class}"
      end

      value.to_f
    end

    # The SecretServerFlavor value of a flavour Symbol (flavors: Symbol => Integer).
    def server_flavor(value, flavors)
      raise TypeError, "server_flavor must be a Symbol, not #{value.class}" unless value.is_a?(Symbol)

      flavors.fetch(value) do
        raise InvalidArgumentError.new("server_flavor must be one of #{flavors.keys.map(&:inspect).join(', ')}, " \
                                       "not #{value.inspect}")
      end
    end

    # An Integer that fits in uint64_t (the library checks its range).
    def uint64(value, what)
      raise TypeError, "#{what} must be an Integer, not #{value.class}" unless value.is_a?(Integer)
      unless value.between?(0, MAX_U64)
        raise InvalidArgumentError.new("#{what} must be between 1 and 2^63 - 1, not #{value}")
      end

      value
    end
  end
end
