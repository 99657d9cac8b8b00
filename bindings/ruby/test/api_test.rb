# frozen_string_literal: true

require_relative "test_helper"
require "minitest/mock"
require "pathname"

# Values of every type through get / get_json / get_text, local (context) path.
class ValuesTest < LibraryTest
  P = PrefectSecrets

  def value_of(text)
    P.context_set("s", text)
    P.get("s")
  end

  def test_string_is_returned_as_is
    assert_equal "hunter2", value_of("hunter2")
    assert_equal Encoding::UTF_8, P.get("s").encoding
    assert_equal '"hunter2"', P.get_json("s")
    assert_equal "hunter2", P.get_text("s")
  end

  def test_json_text_is_decoded_like_python_json_loads
    assert_same_value 42, value_of("42")
    assert_same_value "42", value_of('"42"')
    assert_same_value 7, value_of("  \n 7 \t")
    assert_same_value "42 43", value_of("42 43")
    assert_same_value "{'a': 1}", value_of("{'a': 1}")
    assert_same_value({ "a" => 2 }, value_of('{"a": 1, "a": 2}'))
  end

  def test_integers_of_any_size
    assert_same_value 0, value_of("-0")
    big = 123_456_789_012_345_678_901_234_567_890
    assert_same_value(-big, value_of((-big).to_s))
    assert_same_value big, value_of(big.to_s)
    assert_equal big.to_s, P.get_json("s")
    assert_equal big.to_s, P.get_text("s")
  end

  def test_floats_keep_their_python_identity
    assert_same_value 3.25, value_of("3.25")
    assert_same_value 100_000.0, value_of("1E5")
    assert_same_value 1e16, value_of("1e16")
    assert_equal "1e+16", P.get_json("s")
    assert_same_value 0.30000000000000004, value_of("0.30000000000000004441")
    assert_same_value Float::INFINITY, value_of("1e400")
    assert_same_value 0.0, value_of("1e-400")
  end

  def test_negative_zero_keeps_its_sign
    v = value_of("-0.0")
    assert_kind_of Float, v
    assert_predicate 1.0 / v, :negative?
    assert_equal "-0.0", P.get_json("s")
    refute same_value?(0.0, v)
  end

  def test_nan_and_infinities
    assert_predicate value_of("NaN"), :nan?
    assert_equal "NaN", P.get_json("s")
    assert_same_value Float::INFINITY, value_of("Infinity")
    assert_same_value(-Float::INFINITY, value_of("-Infinity"))
    assert_equal "-Infinity", P.get_text("s")
    assert_same_value [Float::NAN, Float::INFINITY], value_of("[NaN, Infinity]")
  end

  def test_booleans
    assert_same_value true, value_of("true")
    assert_same_value false, value_of("false")
    assert_equal "false", P.get_text("s")
  end

  def test_arrays_and_hashes
    assert_same_value [1, 2.5, "x", nil, true], value_of('[1, 2.5, "x", null, true]')
    nested = '{"db": {"hosts": ["a", "b"], "port": 5432, "tls": false}}'
    assert_same_value({ "db" => { "hosts" => %w[a b], "port" => 5432, "tls" => false } }, value_of(nested))
    assert_equal '{"db":{"hosts":["a","b"],"port":5432,"tls":false}}', P.get_json("s")
    assert_equal P.get_json("s"), P.get_text("s")
    assert_same_value({}, value_of("{}"))
    assert_same_value [], value_of("[]")
  end

  def test_null_and_missing_are_nil
    assert_nil value_of("null")
    assert_nil P.get_json("s")
    assert_nil P.get_text("s")
    assert_nil P.get("absent")
    assert_nil P.get_json("absent")
    assert_nil P.get_text("absent")
  end

  def test_empty_string
    assert_equal "", value_of("")
    assert_equal '""', P.get_json("s")
    assert_equal "", P.get_text("s")
  end

  def test_non_ascii_text
    text = "mot de passe été ☃ 😀"
    assert_equal text, value_of(text)
    assert_equal '"mot de passe \\u00e9t\\u00e9 \\u2603 \\ud83d\\ude00"', P.get_json("s")
    assert_equal text, P.get_text("s")
    assert_equal Encoding::UTF_8, P.get_text("s").encoding
    assert_equal "été", value_of('"\\u00e9t\\u00e9"')
  end

  def test_nul_bytes_in_values
    assert_equal "a\0b", value_of("a\0b")
    assert_equal '"a\\u0000b"', P.get_json("s")
    assert_equal "a\0b", P.get_text("s")
    assert_equal "a\0b", value_of('"a\\u0000b"')
    assert_equal ["\0"], value_of('["\\u0000"]')
    assert_equal "\0", value_of("\0")
  end

  def test_long_values
    mib = ("0123456789abcdef" * 65_536).tap { |s| s[1000] = "\0" }
    assert_equal 1 << 20, mib.bytesize
    assert_equal mib, value_of(mib)
    assert_equal mib, P.get_text("s")
    assert_equal mib.bytesize + 7, P.get_json("s").bytesize # quotes, and \u0000 for the NUL
    list = Array.new(100_000) { |i| i }
    assert_equal list, value_of(JSON.generate(list))
    # Around a power of two.
    [1022, 1023, 1024, 1025].each do |n|
      assert_equal "x" * n, value_of("x" * n), "length #{n}"
      assert_equal "x" * n, P.get_text("s")
    end
  end

  def test_lone_surrogates_come_back_as_binary_wtf8
    v = value_of('"\\ud800"')
    assert_equal Encoding::BINARY, v.encoding
    assert_equal "\xED\xA0\x80".b, v
    assert_equal v, P.get_text("s")
    assert_equal Encoding::BINARY, P.get_text("s").encoding
    assert_equal '"\\ud800"', P.get_json("s")
    # A high surrogate followed by an ordinary escape is not a pair (json 2.6 gets this wrong).
    assert_equal "\xED\xA0\x80A".b, value_of('"\\ud800\\u0041"')
    # Nested, in keys, low surrogates, and beside real characters.
    v = value_of('{"k\\udc00": ["\\ud83d", "\\ud83d\\ude00", "\\udbff\\udfff"]}')
    key = "k\xED\xB0\x80".b
    assert_equal [key], v.keys
    assert_equal ["\xED\xA0\xBD".b, "😀", "\u{10FFFF}"], v[key]
    assert_equal [Encoding::BINARY, Encoding::UTF_8, Encoding::UTF_8], v[key].map(&:encoding)
  end

  # The library allocates each value; the binding frees it with secret_free exactly once,
  # and only when there is one.
  def test_each_value_is_freed_once
    P.context_set("s", "x" * 3000)
    watching_frees do |freed|
      assert_equal "x" * 3000, P.get("s")
      assert_equal "x" * 3000, P.get_text("s")
      assert_equal 2, freed.size
      refute_includes freed, 0
      assert_nil P.get("absent")
      assert_raises(P::InvalidArgumentError) { P.get_text("\xff".b) }
      assert_equal 2, freed.size
    end
  end

  def test_deep_nesting
    [300, 10_000].each do |depth|
      v = Thread.new { value_of(("[" * depth) + ("]" * depth)) }.value
      assert_equal depth, nesting_depth(v)
      v = Thread.new { value_of(('{"a":' * depth) + '"\\ud800"' + ("}" * depth)) }.value
      assert_equal depth, nesting_depth(v)
    end
  end

  def nesting_depth(value)
    depth = 0
    while value.is_a?(Array) || value.is_a?(Hash)
      depth += 1
      value = value.is_a?(Array) ? value.first : value.values.first
    end
    depth
  end
end

class ErrorsTest < LibraryTest
  P = PrefectSecrets

  def test_error_classes_and_statuses
    { P::InvalidArgumentError => -1, P::BufferTooSmallError => -2, P::FlowBuildingError => -3,
      P::AuthError => -4, P::ClientError => -5, P::ConfigError => -6,
      P::InternalError => -99 }.each do |klass, status|
      assert_operator klass, :<, P::Error
      assert_equal status, klass::STATUS
      assert_equal klass, P::Error.class_for(status)
      e = P::Error.for_status(status, "why")
      assert_instance_of klass, e
      assert_equal status, e.status
      assert_equal "why", e.message
    end
    e = P::Error.for_status(-42, "new code")
    assert_instance_of P::Error, e
    assert_equal(-42, e.status)
  end

  def test_nul_in_a_name_is_refused_without_calling_the_library
    e = assert_raises(P::InvalidArgumentError) { P.get("\xff".b) }
    assert_equal "name is not valid UTF-8", e.message
    %i[get get_json get_text context_remove].each do |m|
      e = assert_raises(P::InvalidArgumentError) { P.public_send(m, "a\0b") }
      assert_equal(-1, e.status)
      assert_match(/NUL/, e.message)
    end
    assert_raises(P::InvalidArgumentError) { P.context_set("a\0b", "v") }
    assert_raises(P::InvalidArgumentError) { P.auth_token = "t\0k" }
    assert_raises(P::InvalidArgumentError) { P.cloud_graphql = "http://x\0" }
    assert_raises(P::InvalidArgumentError) { P.ca_bundle = "/a\0b" }
    assert_raises(P::InvalidArgumentError) { P.load_config_file("/a\0b") }
    assert_raises(P::InvalidArgumentError) { P.api_url = "http://x/\0" }
    assert_raises(P::InvalidArgumentError) { P.api_key = "k\0ey" }
    assert_raises(P::InvalidArgumentError) { P.api_auth_string = "user:pa\0ss" }
    # The library was not called: this thread's last error is still the one from above.
    assert_equal "name is not valid UTF-8", P::Native.last_error
  end

  def test_text_that_is_not_utf8_reaches_the_library_as_is
    e = assert_raises(P::InvalidArgumentError) { P.context_set("s", "\xC3\x28".b) }
    assert_match(/value is not valid UTF-8/, e.message)
    e = assert_raises(P::InvalidArgumentError) { P.context_set("\xC3\x28", "v") } # UTF-8, invalid
    assert_match(/name is not valid UTF-8/, e.message)
    assert_raises(P::InvalidArgumentError) { P.get("\xED\xA0\x80") } # a surrogate's bytes
  end

  def test_other_encodings_are_converted_to_utf8
    P.context_set("été".encode("ISO-8859-1"), "☃".encode("UTF-16LE"))
    assert_equal "☃", P.get("été")
    assert_equal "☃", P.get("été".encode("UTF-16BE"))
    e = assert_raises(P::InvalidArgumentError) { P.get("\xff\xfe\xfd".dup.force_encoding("Shift_JIS")) }
    assert_match(/cannot be converted to UTF-8/, e.message)
  end

  def test_symbols_are_names
    P.context_set(:sym, "v")
    assert_equal "v", P.get(:sym)
  end

  def test_wrong_argument_types
    assert_raises(TypeError) { P.get(42) }
    assert_raises(TypeError) { P.get(nil) }
    assert_raises(TypeError) { P.context_set("s", 42) }
    assert_raises(TypeError) { P.context_set("s", nil) }
    assert_raises(TypeError) { P.use_local_secrets = "yes" }
    assert_raises(TypeError) { P.use_local_secrets = 1 }
    assert_raises(TypeError) { P.flow_building = nil }
    assert_raises(TypeError) { P.allow_insecure_http = "false" }
    assert_raises(TypeError) { P.allow_insecure_http = nil }
    assert_raises(TypeError) { P.set_timeouts(connect: "1", request: 1) }
    assert_raises(TypeError) { P.set_timeouts(connect: 1, request: Complex(1, 1)) }
    assert_raises(TypeError) { P.reuse_window = nil }
    assert_raises(TypeError) { P.max_reply_bytes = 1.5 }
    assert_raises(TypeError) { P.cloud_graphql = nil }
    assert_raises(TypeError) { P.api_url = 42 }
    assert_raises(TypeError) { P.api_key = 42 }
    assert_raises(TypeError) { P.api_auth_string = %w[user pass] }
    assert_raises(TypeError) { P.cache_ttl = nil }
    assert_raises(TypeError) { P.cache_ttl = "60" }
    assert_raises(ArgumentError) { P.set_timeouts(connect: 1) }
  end

  def test_flow_building
    P.context_set("s", "x")
    P.flow_building = true
    e = assert_raises(P::FlowBuildingError) { P.get("s") }
    assert_equal(-3, e.status)
    assert_equal "Secrets should only be retrieved during a Flow run, not while building a Flow.", e.message
    assert_raises(P::FlowBuildingError) { P.get_json("absent") }
    assert_raises(P::FlowBuildingError) { P.get_text("s") }
    P.flow_building = false
    assert_equal "x", P.get("s")
    P.flow_building = true
    P.reset_config # clears the flag, and the context
    assert_nil P.get("s")
  end

  def test_broken_environment_is_a_config_error_until_a_reset_succeeds
    ENV["PREFECT__CONTEXT__SECRETS__S"] = "dangling\\"
    e = assert_raises(P::ConfigError) { P.reset_config }
    assert_equal(-6, e.status)
    refute_empty e.message
    assert_raises(P::ConfigError) { P.get("s") }
    assert_raises(P::ConfigError) { P.context_set("s", "v") }
    ENV["PREFECT__CONTEXT__SECRETS__S"] = "fine"
    P.reset_config
    assert_equal "fine", P.get("s")
  end

  def test_broken_user_config_is_a_config_error
    FileUtils.mkdir_p(File.join(@home, ".prefect"))
    File.write(File.join(@home, ".prefect", "config.toml"), "[context.secrets\nX = 1\n")
    assert_raises(P::ConfigError) { P.reset_config }
  end

  def test_auth_error_without_a_token
    with_server do |server|
      use_server(server, token: nil)
      e = assert_raises(P::AuthError) { P.get("x") }
      assert_equal(-4, e.status)
      assert_equal "Call Client.login() to set the client token.", e.message
      assert_empty server.log
    end
  end

  def test_auth_error_when_refused_after_refresh
    with_server(responses: [{ "status" => 401, "raw" => "" }, { "status" => 401, "raw" => "" }]) do |server|
      use_server(server)
      assert_raises(P::AuthError) { P.get("x") }
      assert_equal ["/graphql/alpha", "/graphql/alpha/refresh_token", "/graphql/alpha"],
                   server.log.map { |r| r["path"] }
    end
  end

  def test_client_errors
    with_server(responses: [{ "status" => 500, "raw" => "oops" },
                            { "status" => 200, "body" => { "errors" => [{ "message" => "No secret" }] } },
                            { "status" => 200, "raw" => "not json" }]) do |server|
      use_server(server)
      P.reuse_window = 0
      3.times do
        e = assert_raises(P::ClientError) { P.get("x") }
        assert_equal(-5, e.status)
        refute_empty e.message
      end
    end
  end

  def test_unreachable_server_is_a_client_error
    server = TCPServer.new("127.0.0.1", 0)
    port = server.addr[1]
    server.close
    P.configure do |c|
      c.use_local_secrets = false
      c.auth_token = "t"
      c.cloud_graphql = "http://127.0.0.1:#{port}/graphql"
    end
    assert_raises(P::ClientError) { P.get("x") }
  end
end

class SettersTest < LibraryTest
  P = PrefectSecrets

  def test_use_local_secrets_and_cloud_settings_reach_the_server
    with_server(responses: [{ "status" => 200, "body" => { "data" => { "secretValue" => "remote" } } }]) do |server|
      P.context_set("DB", "local")
      assert_equal "local", P.get("DB")
      use_server(server, token: "tok-9")
      assert_equal "remote", P.get("DB")
      assert_equal [{ "method" => "POST", "path" => "/graphql/alpha", "authorization" => "Bearer tok-9",
                      "variables" => { "name" => "DB" } }], server.log
      P.use_local_secrets = true
      assert_equal "local", P.get("DB")
    end
  end

  def test_server_values_are_not_json_decoded
    with_server(responses: [{ "status" => 200, "body" => { "data" => { "secretValue" => "42" } } },
                            { "status" => 200, "body" => { "data" => { "secretValue" => { "a" => [1, 2.5] } } } },
                            { "status" => 200, "body" => { "data" => { "secretValue" => nil } } }]) do |server|
      use_server(server)
      P.reuse_window = 0
      assert_equal "42", P.get("x")
      assert_equal({ "a" => [1, 2.5] }, P.get("x"))
      assert_nil P.get("x")
    end
  end

  def test_auth_token_nil_falls_back_to_the_credentials_file
    FileUtils.mkdir_p(File.join(@home, ".prefect", ".credentials"))
    File.write(File.join(@home, ".prefect", ".credentials", "auth_token"), "file-token")
    with_server(responses: [{ "status" => 200, "body" => { "data" => { "secretValue" => "v" } } }]) do |server|
      use_server(server, token: "set-token")
      P.auth_token = nil
      assert_equal "v", P.get("x")
      assert_equal "Bearer file-token", server.log.first["authorization"]
    end
  end

  def test_timeouts
    P.set_timeouts(connect: 5, request: 10.5)
    P.set_timeouts(connect: Rational(1, 2), request: 1)
    [[-1, 1], [1, -1], [0, 1], [1, 0], [Float::NAN, 1], [1, Float::INFINITY], [1e10, 1]].each do |c, r|
      e = assert_raises(P::InvalidArgumentError, "#{c}, #{r}") { P.set_timeouts(connect: c, request: r) }
      assert_equal(-1, e.status)
      assert_match(/seconds/, e.message)
    end
  end

  def test_request_timeout_fails_a_slow_server_get
    with_server(delay: 2, responses: [{ "status" => 200, "body" => { "data" => { "secretValue" => "late" } } }]) do |server|
      use_server(server)
      P.set_timeouts(connect: 1, request: 0.3)
      started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
      assert_raises(P::ClientError) { P.get("x") }
      assert_operator Process.clock_gettime(Process::CLOCK_MONOTONIC) - started, :<, 1.5
    end
  end

  def test_max_reply_bytes
    P.max_reply_bytes = 1
    P.max_reply_bytes = (2**63) - 1
    [0, 2**63, (2**64) - 1, -1, 2**64].each do |n|
      e = assert_raises(P::InvalidArgumentError, n.to_s) { P.max_reply_bytes = n }
      assert_equal(-1, e.status)
    end
    with_server(responses: [{ "status" => 200, "body" => { "data" => { "secretValue" => "x" * 500 } } }]) do |server|
      use_server(server)
      P.max_reply_bytes = 100
      assert_raises(P::ClientError) { P.get("x") }
    end
  end

  # A String or a Pathname reaches the library as the path; nil unsets it.
  def test_ca_bundle
    P.ca_bundle = File.join(@home, "ca.pem")
    assert_includes P.config_view, File.join(@home, "ca.pem")
    P.ca_bundle = Pathname.new(@home).join("other.pem")
    assert_includes P.config_view, File.join(@home, "other.pem")
    P.ca_bundle = nil
    refute_includes P.config_view, "other.pem"
  end

  # A name other than localhost that /etc/hosts maps to 127.0.0.1 (many systems list the
  # machine's own name there), or nil. The library counts only localhost and loopback
  # addresses as loopback, so such a name stands for "another host" while every byte
  # stays on this machine. /etc/hosts is read here, never DNS, and the name is only used
  # when the system resolver reads that file before asking DNS.
  def loopback_alias
    hosts_line = File.foreach("/etc/nsswitch.conf").map(&:split).find { |f| f.first == "hosts:" }
    return nil unless hosts_line && hosts_line[1] == "files"

    File.foreach("/etc/hosts") do |line|
      fields = line.sub(/#.*/, "").split
      next unless fields.first == "127.0.0.1"

      name = fields.drop(1).find { |n| !n.casecmp?("localhost") && !n.match?(/\A[\d.:]+\z/) }
      return name if name
    end
    nil
  rescue SystemCallError
    nil
  end

  def test_allow_insecure_http_refuses_plain_http_to_other_hosts_before_sending
    P.configure do |c|
      c.use_local_secrets = false
      c.auth_token = "t"
      c.cloud_graphql = "http://example.invalid/graphql"
      c.api_url = "http://example.invalid/api"
      c.allow_insecure_http = false
    end
    %i[prefect_0_5 prefect_3].each do |flavor|
      P.server_flavor = flavor
      e = assert_raises(P::ClientError) { P.get("x") }
      assert_match(/clear text/, e.message)
      refute_includes e.message, "Bearer t"
    end
    P.allow_insecure_http = true
    P.allow_insecure_http = false
  end

  def test_allow_insecure_http_lets_plain_http_through
    name = loopback_alias or skip("no name other than localhost for 127.0.0.1 in /etc/hosts")
    proxy = %w[ALL_PROXY all_proxy HTTP_PROXY http_proxy HTTPS_PROXY https_proxy].find { |v| ENV[v].to_s != "" }
    skip("#{proxy} is set: the request would go to the proxy") if proxy
    with_server(responses: [{ "status" => 200, "body" => { "data" => { "secretValue" => "plain" } } }]) do |graphql|
      with_blocks_server("x" => "plain-3") do |blocks|
        via_alias = ->(url) { url.sub("127.0.0.1", name) }
        P.configure do |c|
          c.use_local_secrets = false
          c.auth_token = "t"
          c.cloud_graphql = "#{via_alias[graphql.url]}/graphql"
          c.api_url = "#{via_alias[blocks.url]}/api"
          c.reuse_window = 0
        end
        %i[prefect_0_5 prefect_3].each do |flavor|
          P.server_flavor = flavor
          assert_raises(P::ClientError) { P.get("x") }
        end
        assert_empty graphql.log
        assert_empty blocks.log
        P.allow_insecure_http = true
        P.server_flavor = :prefect_0_5
        assert_equal "plain", P.get("x")
        P.server_flavor = :prefect_3
        assert_equal "plain-3", P.get("x")
        P.allow_insecure_http = false
        assert_raises(P::ClientError) { P.get("x") }
        assert_equal [1, 1], [graphql.log.size, blocks.log.size]
      end
    end
  end

  def test_reuse_window
    assert_raises(P::InvalidArgumentError) { P.reuse_window = -1 }
    assert_raises(P::InvalidArgumentError) { P.reuse_window = Float::NAN }
    responses = Array.new(4) { |i| { "status" => 200, "body" => { "data" => { "secretValue" => "v#{i}" } } } }
    with_server(responses: responses) do |server|
      use_server(server)
      P.reuse_window = 5
      assert_equal '"v0"', P.get_json("x")
      assert_equal "v0", P.get_text("x") # reused: one round trip
      assert_equal 1, server.log.size
      P.reuse_window = 0
      assert_equal '"v1"', P.get_json("x")
      assert_equal "v2", P.get_text("x")
      assert_equal 3, server.log.size
    end
  end

  def test_a_large_server_value_is_fetched_once
    big = "s" * (1 << 20)
    with_server(responses: [{ "status" => 200, "body" => { "data" => { "secretValue" => big } } }]) do |server|
      use_server(server)
      assert_equal big, P.get("x")
      assert_equal big, P.get_text("x") # the thread's reuse window: no second request
      assert_equal 1, server.log.size
    end
  end

  def test_each_get_is_one_request_whatever_the_size
    sizes = [10, 2000, 5000, 1 << 20]
    responses = sizes.map { |n| { "status" => 200, "body" => { "data" => { "secretValue" => "g" * n } } } }
    with_server(responses: responses) do |server|
      use_server(server)
      P.reuse_window = 0
      sizes.each_with_index do |n, i|
        assert_equal "g" * n, P.get_text("x")
        assert_equal i + 1, server.log.size
      end
    end
  end

  def test_load_config_file
    path = File.join(@home, "extra.toml")
    File.write(path, "[context.secrets]\nFROM_FILE = \"$HOME/f\"\nN = 7\n[context.secrets.T]\nk = \"v\"\n")
    P.context_set("kept", "yes")
    P.load_config_file(Pathname.new(path))
    assert_equal "#{@home}/f", P.get("FROM_FILE")
    assert_same_value 7, P.get("N")
    assert_equal({ "k" => "v" }, P.get("T"))
    assert_equal "yes", P.get("kept")
    File.write(path, "[context.secrets\n")
    assert_raises(P::ConfigError) { P.load_config_file(path) }
    assert_same_value 7, P.get("N") # nothing changed
    assert_raises(P::ConfigError) { P.load_config_file(File.join(@home, "missing.toml")) }
  end

  def test_environment_is_read_on_reset
    ENV["PREFECT__CONTEXT__SECRETS__MY_KEY"] = "42"
    assert_nil P.get("my_key")
    P.reset_config
    assert_same_value 42, P.get("my_key")
    assert_nil P.get("MY_KEY")
  end

  def test_context_set_remove_clear
    P.context_set("a", "1")
    P.context_set("b", "2")
    assert_equal true, P.context_remove("a")
    assert_equal false, P.context_remove("a")
    assert_nil P.get("a")
    ENV["PREFECT__CONTEXT__SECRETS__C"] = "3"
    P.reset_config
    assert_equal 3, P.get("c")
    P.context_set("b", "2")
    P.context_clear
    assert_nil P.get("b")
    assert_nil P.get("c")
    assert_equal false, P.context_remove("c")
  end

  def test_configure_yields_the_module
    assert_same P, P.configure { |c| assert_same P, c }
  end

  def test_version
    header_path = File.expand_path("../../../include/prefect_secrets.h", __dir__)
    if File.exist?(header_path) # in the repository: the library built from it
      assert_equal File.read(header_path)[/#define PREFECT_SECRETS_VERSION "([^"]+)"/, 1], P.version
    else # an installed gem: released with the library of its own version
      assert_equal PrefectSecrets::BINDING_VERSION, P.version
    end
    assert_match(/\A\d+\.\d+\.\d+/, P.version)
    assert_match(/SECRET_ERR_AUTH/, P.status_description(-4))
    assert_kind_of String, P.library_path
  end
end
