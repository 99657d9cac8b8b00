# frozen_string_literal: true

require_relative "errors"
require_relative "arguments"
require_relative "native"
require_relative "value_decoder"

# Prefect 0.5.3 secrets from Ruby: PrefectSecrets.get(name) resolves a secret exactly as
# Python's `prefect.client.secrets.Secret(name).get()` does, through the prefect-secrets
# native library. On the server path it can also read a Prefect 2/3 server's Secret
# blocks (server_flavor = :prefect_3).
#
# Every function raises a PrefectSecrets::Error subclass when the library reports an
# error, TypeError for an argument of the wrong type, and
# PrefectSecrets::LibraryLoadError (a LoadError) when the library cannot be loaded.
module PrefectSecrets
  UTF_8 = Encoding::UTF_8
  BINARY = Encoding::BINARY
  private_constant :UTF_8, :BINARY

  # The server APIs server_flavor= accepts, with their SecretServerFlavor values, taken
  # from the C header's enum SecretServerFlavor: SECRET_SERVER_PREFECT_0_5 is :prefect_0_5
  # (Prefect 0.5.3's GraphQL secretValue, the default), SECRET_SERVER_PREFECT_3 is
  # :prefect_3 (a Prefect 2/3 server's Secret blocks: REST, api_url / PREFECT_API_URL).
  SERVER_FLAVORS = Native::HEADER.enum("SecretServerFlavor").to_h do |name, value|
    unless name.start_with?("SECRET_SERVER_")
      raise Header::Error, "#{Native::HEADER.source}: enum SecretServerFlavor: #{name} " \
                           "does not start with SECRET_SERVER_"
    end

    [name.delete_prefix("SECRET_SERVER_").downcase.to_sym, value]
  end.freeze

  class << self
    # ---- Reading secrets --------------------------------------------------------------

    # The value Python's Secret(name).get() returns: a String, Integer, Float, true,
    # false, Array or Hash; nil when the secret resolves to None (not found).
    # A string holding a lone surrogate (possible in Python) comes back as a binary
    # String with the surrogate's 3-byte form, the bytes get_text returns for it.
    def get(name)
      json = get_json(name)
      json && decode(json, "secret_get_json")
    end

    # The value as the JSON text Python's json.dumps(value, separators=(",", ":")) writes
    # (ASCII, NaN/Infinity allowed), or nil when not found.
    def get_json(name)
      bytes = Native.fetch(:secret_get_json_alloc, Arguments.c_string(name, "name"))
      bytes&.force_encoding(UTF_8)
    end

    # What secret_get writes: a string value's own text, any other value as JSON; nil
    # when not found. UTF-8 when the bytes are valid UTF-8, else binary (a lone surrogate).
    def get_text(name)
      bytes = Native.fetch(:secret_get_alloc, Arguments.c_string(name, "name"))
      return nil if bytes.nil?

      bytes.force_encoding(UTF_8)
      bytes.valid_encoding? ? bytes : bytes.force_encoding(BINARY)
    end

    # Many secrets in one library call (secret_get_many), all resolved from one
    # configuration: a Hash of each name, as given, => its value as get gives it (nil when
    # not found), or with json: true as get_json gives it. Duplicate names are one key.
    # With server_flavor :prefect_3 the names are asked of the server in one request (per
    # 200 names) rather than one each.
    #
    #   PrefectSecrets.get_many(%w[db token missing])
    #   # => {"db" => {"user" => "svc"}, "token" => "hunter2", "missing" => nil}
    #
    # When any name fails, raises the Error subclass of the first that failed (in the
    # order of names; FlowBuildingError, AuthError, ...), whose message says how many
    # failed, which was the first (its index and name) and why; nothing is returned for
    # the others then. names must be an Array of Strings or Symbols (TypeError); a name
    # with a NUL byte raises InvalidArgumentError before the library is called, as get.
    def get_many(names, json: false)
      raise TypeError, "names must be an Array, not #{names.class}" unless names.is_a?(Array)

      as_json = Arguments.boolean(json, "json")
      bytes = names.each_with_index.map { |name, i| Arguments.c_string(name, "names[#{i}]") }
      entries = Native.fetch_many(bytes, json: true)
      raise_first_failure(names, entries)
      names.zip(entries).to_h do |name, (_, value, _)|
        value&.force_encoding(UTF_8)
        [name, value && (as_json ? value : decode(value, "secret_get_many"))]
      end
    end

    # ---- Reports, for people ------------------------------------------------------------

    # A plain-text report (a UTF-8 String) on what get(name) would do with the current
    # configuration, and why: the first line says found, not found, asked of the server,
    # or why every get fails; the indented lines say where the secret was set, what
    # json.loads makes of it, and for a name not found the near misses (`did you mean
    # "my_key"?` for "MY_KEY", a mistyped PREFECT__CONTEXT__SECRETS__ variable, a
    # config.toml that is not read). On the server path: the flavour, the URL, where the
    # credential comes from, whether the cache would answer. It never contains a value,
    # a token, a key or an auth string, and never asks the server. The wording is for
    # people and may change between versions. A broken configuration is reported, not
    # raised.
    def explain(name)
      report(:secret_explain_alloc, Native.fetch(:secret_explain_alloc, Arguments.c_string(name, "name")))
    end

    # Renders Prefect 3's placeholders in template (a String) as Prefect 3's workers render
    # a deployment's job variables (secret_render_template; docs/templating.md):
    # {{ prefect.blocks.TYPE.NAME[.keypath] }}, {{ prefect.variables.NAME }} and
    # {"$ref": {"block_document_id": ...}}. json: true reads template as a JSON document
    # and returns compact JSON; otherwise template is one string and the rendered text is
    # returned (a UTF-8 String). Needs the Prefect 3 flavour (ConfigError otherwise); a
    # missing block or key path raises; no message contains a value.
    def render_template(template, json: false)
      flag = Arguments.boolean(json, "json") ? 1 : 0
      bytes = with_cstring(template, "template") do |ptr|
        Native.fetch_allocated(:secret_render_template, ptr, flag)
      end
      report(:secret_render_template, bytes)
    end

    # The effective configuration (what Prefect 0.5.3's prefect.config holds,
    # context.secrets included) as TOML text, a UTF-8 String. Default deny: only known
    # settings that are not credentials, built from nothing masked, are shown; every other
    # value is "******** (TYPE)". show_sources: true ends each value with a comment saying
    # where it came from (`  # environment variable PREFECT__CLOUD__GRAPHQL`,
    # `  # this library's API`, ...). Raises ConfigError when the
    # configuration cannot be loaded.
    def config_view(show_sources: false)
      flag = Arguments.boolean(show_sources, "show_sources") ? 1 : 0
      report(:secret_config_view_alloc, Native.fetch_allocated(:secret_config_view_alloc, flag))
    end

    # ---- Configuration (config.cloud.*) -------------------------------------------------

    # Sets the [cloud] setting key ("cache_ttl" or "cloud.cache_ttl"; a String or Symbol)
    # from text, as the typed setters set it: "true"/"false" (any case) for a switch, a
    # decimal number for seconds or bytes, a flavour's configuration name ("prefect-0.5",
    # "prefect-3"), or text kept as it is (URLs, paths, credentials). value may also be a
    # Numeric, true or false, passed as its to_s ("2.5", "true"; 1e-5 as "1.0e-05", which
    # the library reads). nil removes the key, so its default (or its environment
    # variable) applies again; use_local_secrets and graphql cannot be removed. The keys:
    # use_local_secrets, auth_token, graphql, connect_timeout, request_timeout,
    # max_reply_bytes, ca_bundle, allow_insecure_http, reuse_window, cache_ttl,
    # server_flavor, api_url, api_key, api_auth_string. An unknown key or a value of the
    # wrong kind raises InvalidArgumentError, whose message names the key, never the
    # value, and changes nothing. The value may be a credential: the binding's C copy of
    # it is overwritten with zeros afterwards, as auth_token= does.
    def set_config(key, value)
      value = value.to_s if value.is_a?(Numeric) || value == true || value == false
      with_cstring(key, "key") do |key_ptr|
        with_optional_secret_cstring(value, "value") do |value_ptr|
          Native.call_status(:secret_config_set, key_ptr, value_ptr)
        end
      end
      nil
    end

    # true reads secrets from the context, false asks the server (config.cloud.use_local_secrets).
    def use_local_secrets=(value)
      Native.call_status(:secret_config_set_use_local_secrets,
                         Arguments.boolean(value, "use_local_secrets") ? 1 : 0)
    end

    # The server's bearer token (config.cloud.auth_token); nil removes it, so the token
    # is read from ~/.prefect/.credentials/auth_token again.
    def auth_token=(token)
      with_optional_secret_cstring(token, "auth_token") do |ptr|
        Native.call_status(:secret_config_set_auth_token, ptr)
      end
    end

    # The URL of the server's GraphQL endpoint (config.cloud.graphql).
    def cloud_graphql=(url)
      with_cstring(url, "cloud_graphql") { |ptr| Native.call_status(:secret_config_set_cloud_graphql, ptr) }
    end

    # The server path's timeouts in seconds (positive, finite): connect: to set up a
    # connection (default 10), request: for a whole HTTP exchange (default 30).
    def set_timeouts(connect:, request:)
      Native.call_status(:secret_config_set_timeouts,
                         Arguments.seconds(connect, "connect"), Arguments.seconds(request, "request"))
      nil
    end

    # The largest server reply accepted, in bytes (default 4 MiB; 1 to 2^63 - 1).
    def max_reply_bytes=(bytes)
      Native.call_status(:secret_config_set_max_reply_bytes, Arguments.uint64(bytes, "max_reply_bytes"))
    end

    # A PEM file of CA certificates trusted for https servers instead of the system's
    # store; nil goes back to the system's store.
    def ca_bundle=(path)
      path = path.to_path if path.respond_to?(:to_path)
      with_optional_cstring(path, "ca_bundle") { |ptr| Native.call_status(:secret_config_set_ca_bundle, ptr) }
    end

    # Whether plain http:// may be used to servers that are not loopback, so that
    # credentials and secret values cross the network unencrypted (default false: such
    # URLs raise ClientError before anything is sent). Loopback addresses (127.0.0.0/8,
    # ::1, localhost) are always allowed. Applies to both server flavours.
    def allow_insecure_http=(allow)
      Native.call_status(:secret_config_set_allow_insecure_http,
                         Arguments.boolean(allow, "allow_insecure_http") ? 1 : 0)
    end

    # Which Prefect a get follows (config.cloud.server_flavor): :prefect_0_5 (the default;
    # its GraphQL server is asked when use_local_secrets is false) or :prefect_3 (Prefect
    # 3's Secret.load: every get reads the server's Secret blocks, with Prefect 3's
    # settings; the one switch, like PREFECT_SECRETS_FLAVOR=prefect-3). See SERVER_FLAVORS.
    def server_flavor=(flavor)
      Native.call_status(:secret_config_set_server_flavor, Arguments.server_flavor(flavor, SERVER_FLAVORS))
    end

    # The Prefect 2/3 API URL (config.cloud.api_url), e.g. "http://127.0.0.1:4200/api" or
    # "https://api.prefect.cloud/api/accounts/<id>/workspaces/<id>"; nil goes back to
    # Prefect 3's PREFECT_API_URL (from its sources, as read when the configuration loaded).
    def api_url=(url)
      with_optional_cstring(url, "api_url") { |ptr| Native.call_status(:secret_config_set_api_url, ptr) }
    end

    # The Prefect Cloud API key the :prefect_3 flavour sends as a bearer token
    # (config.cloud.api_key); nil goes back to the PREFECT_API_KEY environment variable.
    def api_key=(key)
      with_optional_secret_cstring(key, "api_key") { |ptr| Native.call_status(:secret_config_set_api_key, ptr) }
    end

    # The "user:password" a self-hosted Prefect 2/3 server checks with HTTP Basic auth
    # (config.cloud.api_auth_string); it takes precedence over the API key, as in
    # Prefect's client. nil goes back to the PREFECT_API_AUTH_STRING environment variable.
    def api_auth_string=(auth)
      with_optional_secret_cstring(auth, "api_auth_string") do |ptr|
        Native.call_status(:secret_config_set_api_auth_string, ptr)
      end
    end

    # How long, in seconds, a thread may reuse the value it just fetched from the server
    # for the same name (default 1; 0 turns it off).
    def reuse_window=(seconds)
      Native.call_status(:secret_config_set_reuse_window, Arguments.seconds(seconds, "reuse_window"))
    end

    # Turns on the process-wide cache of server values (config.cloud.cache_ttl): for this
    # many seconds after a value is fetched, gets of that name from any thread are
    # answered from memory. 0 (the default) turns it off, so every get asks the server,
    # as Prefect does. Any setter, reset_config and cache_clear end it; values are wiped
    # when they expire. Must be non-negative and below 1e9.
    def cache_ttl=(seconds)
      Native.call_status(:secret_config_set_cache_ttl, Arguments.seconds(seconds, "cache_ttl"))
    end

    # Wipes every cached server value now (see cache_ttl=), and the values threads
    # remember for immediate repeats (see reuse_window=).
    def cache_clear
      Native.call_status(:secret_cache_clear)
      nil
    end

    # Merges a Prefect configuration file over the current configuration, the way Prefect
    # merges ~/.prefect/config.toml (the PREFECT__* environment variables still win).
    # Raises ConfigError, changing nothing, when the file is broken.
    def load_config_file(path)
      path = path.to_path if path.respond_to?(:to_path)
      with_cstring(path, "path") { |ptr| Native.call_status(:secret_config_load_file, ptr) }
      nil
    end

    # Reloads the configuration as at process start (defaults, PREFECT__* variables as
    # they are now in ENV, the user file) and resets the context. Raises ConfigError when
    # that configuration is broken; every later call then fails the same way until a
    # reset succeeds.
    def reset_config
      Native.call_status(:secret_config_reset)
      nil
    end

    # Yields PrefectSecrets, for grouping setters:
    #   PrefectSecrets.configure do |c|
    #     c.use_local_secrets = false
    #     c.auth_token = ENV.fetch("TOKEN")
    #   end
    def configure
      yield self
      self
    end

    # ---- The context (prefect.context) --------------------------------------------------

    # prefect.context.secrets[name] = value. value is text (NUL bytes allowed);
    # json.loads applies when it is read, so "42" reads back as 42.
    def context_set(name, value)
      value_bytes = Arguments.utf8_bytes(value, "value")
      with_cstring(name, "name") do |name_ptr|
        Native.with_bytes(value_bytes, wipe: true) do |value_ptr|
          Native.call_status(:secret_context_set_bytes, name_ptr, value_ptr, value_bytes.bytesize)
        end
      end
      nil
    end

    # Removes a secret from the context; true if it was there.
    def context_remove(name)
      with_cstring(name, "name") { |ptr| Native.call_status(:secret_context_remove, ptr) }.zero?
    end

    # Removes every secret from the context (those from the configuration too).
    def context_clear
      Native.call_status(:secret_context_clear)
      nil
    end

    # Whether a Flow is being built (prefect.context.flow); while it is, get raises
    # FlowBuildingError.
    def flow_building=(building)
      Native.call_status(:secret_context_set_flow_building,
                         Arguments.boolean(building, "flow_building") ? 1 : 0)
    end

    # ---- About the library ----------------------------------------------------------------

    # The native library's version, e.g. "0.1.0".
    def version
      Native.version
    end

    # The path (or name) the native library was loaded from.
    def library_path
      Native.library.path
    end

    # The library's description of a status code, e.g. "SECRET_ERR_AUTH: ...".
    def status_description(status)
      raise TypeError, "status must be an Integer, not #{status.class}" unless status.is_a?(Integer)

      Native.status_str(status)
    end

    private

    # The Ruby value of JSON text that function (secret_get_json, secret_get_many) wrote.
    def decode(json, function)
      ValueDecoder.decode(json)
    rescue JSON::ParserError
      # Not the value: parser messages quote the text, which is a secret.
      raise InternalError.new("#{function} wrote text that is not JSON")
    end

    # Raises the Error of the first failed entry of a batch get of names (entries as
    # Native.fetch_many gives them), if any failed.
    def raise_first_failure(names, entries)
      failed = entries.each_index.select { |i| entries[i][0].negative? }
      return if failed.empty?

      first = failed.first
      status, _, message = entries[first]
      raise Error.for_status(status, "#{failed.size} of #{names.size} names failed; the first, " \
                                     "names[#{first}] #{names[first].to_s.inspect}: #{message}")
    end

    # The text of a report (function: the _alloc function that wrote it), as UTF-8.
    def report(function, bytes)
      # A report is always written; not found is a status only the getters return.
      raise InternalError.new("#{function} returned SECRET_NOT_FOUND") if bytes.nil?

      bytes.force_encoding(UTF_8)
    end

    def with_cstring(value, what, &block)
      Native.with_cstring(Arguments.c_string(value, what), &block)
    end

    def with_optional_cstring(value, what, &block)
      Native.with_cstring(Arguments.optional_c_string(value, what), &block)
    end

    def with_optional_secret_cstring(value, what, &block)
      Native.with_secret_cstring(Arguments.optional_c_string(value, what), &block)
    end
  end
end
