# frozen_string_literal: true

require_relative "test_helper"

# The Prefect 2/3 flavour of the server path, against BlocksServer (Prefect 3's
# GET /api/block_types/slug/secret/block_documents/name/<name>?include_secrets=true).
class Prefect3Test < LibraryTest
  P = PrefectSecrets
  PREFIX = BlocksServer::PREFIX

  def basic(user_pass)
    "Basic #{[user_pass].pack('m0')}" # strict base64
  end

  def test_server_flavor_values
    # These two with these numbers; a flavour the header adds later comes along by itself.
    assert_equal({ prefect_0_5: 0, prefect_3: 1 }, P::SERVER_FLAVORS.slice(:prefect_0_5, :prefect_3))
    assert_predicate P::SERVER_FLAVORS, :frozen?
    P.server_flavor = :prefect_3
    P.server_flavor = :prefect_0_5
  end

  def test_server_flavor_rejects_other_values
    # Not a flavour Symbol: raised by the binding, the library is not called.
    %i[prefect_2 prefect3 PREFECT_3].each do |flavor|
      e = assert_raises(P::InvalidArgumentError) { P.server_flavor = flavor }
      assert_equal(-1, e.status)
      flavors = P::SERVER_FLAVORS.keys.map(&:inspect).join(", ")
      assert_equal "server_flavor must be one of #{flavors}, not #{flavor.inspect}", e.message
      assert_includes e.message, ":prefect_0_5"
      assert_includes e.message, ":prefect_3"
    end
    ["prefect_3", "prefect-3", 1, 0, nil, true].each do |flavor|
      assert_raises(TypeError) { P.server_flavor = flavor }
    end
  end

  def test_the_flavor_decides_which_server_is_asked
    graphql_responses = %w[from-graphql from-graphql-again].map do |v|
      { "status" => 200, "body" => { "data" => { "secretValue" => v } } }
    end
    with_server(responses: graphql_responses) do |graphql|
      with_blocks_server("db" => "from-blocks") do |blocks|
        use_server(graphql)
        P.api_url = "#{blocks.url}/api"
        P.reuse_window = 0
        assert_equal "from-graphql", P.get("db")
        P.server_flavor = :prefect_3
        assert_equal "from-blocks", P.get("db")
        P.server_flavor = :prefect_0_5
        assert_equal "from-graphql-again", P.get("db")
        P.server_flavor = :prefect_3
        P.reset_config
        assert_nil P.get("db") # local secrets again, and the 0.5 flavour
        assert_equal [2, 1], [graphql.log.size, blocks.log.size]

        # The configuration key behind it, and PREFECT_API_URL.
        ENV["PREFECT__CLOUD__USE_LOCAL_SECRETS"] = "false"
        ENV["PREFECT__CLOUD__SERVER_FLAVOR"] = "prefect-3"
        ENV["PREFECT_API_URL"] = "#{blocks.url}/api"
        P.reset_config
        assert_equal "from-blocks", P.get("db")
      end
    end
  end

  # render_template: the template and the flag go in, the rendered String comes back;
  # the library's statuses come back as exceptions.
  def test_render_template
    assert_raises(PrefectSecrets::ConfigError) { P.render_template("{{ prefect.blocks.secret.db }}") }
    with_blocks_server({ "db" => { "user" => "svc" } }) do |server|
      use_blocks(server)
      assert_equal '{"p":"svc","q":[1]}',
                   P.render_template('{"p": "{{ prefect.blocks.secret.db.user }}", "q": [1]}', json: true)
      assert_equal "u=svc é\n", P.render_template("u={{ prefect.blocks.secret.db.user }} é\n")
      assert_equal Encoding::UTF_8, P.render_template("x").encoding
      assert_raises(PrefectSecrets::ClientError) { P.render_template("{{ prefect.blocks.secret.gone }}") }
      assert_raises(PrefectSecrets::InvalidArgumentError) { P.render_template("{not json", json: true) }
      assert_raises(PrefectSecrets::InvalidArgumentError) { P.render_template("a\0b") }
    end
  end

  def test_values
    values = {
      "plain" => "hunter2",
      "json-object" => '{"a": 1}', # a string holding JSON is decoded, as Secret.get() does
      "json-number" => "42",
      "not-json" => "{'a': 1}", # kept as it is when it is not JSON
      "object" => { "user" => "svc", "port" => 5432, "tls" => true },
      "list" => [1, 2.5, nil, "x"],
      "number" => 7,
      "null" => nil,
      "null-text" => "null", # json.loads gives None
      "empty" => "",
      "unicode" => "mot de passe été",
      "db/pass word?" => "slashed", # names no block can have: never asked for
      "clé" => "accented name",
      "DB" => "upper"
    }
    with_blocks_server(values) do |server|
      use_blocks(server)
      P.context_set("plain", "local") # not consulted on the server path
      assert_equal "hunter2", P.get("plain")
      assert_equal '"hunter2"', P.get_json("plain")
      assert_equal({ "a" => 1 }, P.get("json-object"))
      assert_equal '{"a":1}', P.get_text("json-object")
      assert_same_value 42, P.get("json-number")
      assert_equal "{'a': 1}", P.get("not-json")
      assert_equal({ "user" => "svc", "port" => 5432, "tls" => true }, P.get("object"))
      assert_equal '{"user":"svc","port":5432,"tls":true}', P.get_json("object")
      assert_same_value [1, 2.5, nil, "x"], P.get("list")
      assert_same_value 7, P.get("number")
      assert_equal "", P.get("empty")
      assert_equal "mot de passe été", P.get("unicode")
      assert_equal '"mot de passe \\u00e9t\\u00e9"', P.get_json("unicode")
      %w[null null-text missing].each do |name|
        assert_nil P.get(name), name
        assert_nil P.get_json(name), name
        assert_nil P.get_text(name), name
      end

      # The requests, as Prefect's client sends them: the name is one path segment.
      log = server.log
      assert(log.all? { |r| r["method"] == "GET" && r["authorization"].nil? }, log.inspect)
      uris = log.map { |r| r["uri"] }
      %w[plain json-object missing].each do |segment|
        assert_includes uris, "#{PREFIX}#{segment}?include_secrets=true"
      end

      # Prefect's block names are lowercase letters, digits and dashes: any other name is
      # not found, without a request (Prefect's server would refuse to store it).
      before = server.log.size
      ["db/pass word?", "clé", "DB"].each do |name|
        assert_nil P.get(name), name
        assert_nil P.get_text(name), name
      end
      assert_equal before, server.log.size, "requests for names no block can have"
    end
  end

  def test_basic_auth_from_the_auth_string_wins_over_the_api_key
    user_pass = "admin:pa ss:wörd" # the password may hold colons and spaces
    with_blocks_server("db" => "s3cr3t") do |server|
      server.require_auth(basic(user_pass))
      use_blocks(server)
      P.reuse_window = 0
      e = assert_raises(P::AuthError) { P.get("db") }
      assert_equal(-4, e.status)
      assert_match(/401/, e.message)
      assert_nil server.log.last["authorization"]

      P.api_key = "pnu_key"
      assert_raises(P::AuthError) { P.get("db") }
      assert_equal "Bearer pnu_key", server.log.last["authorization"]

      P.api_auth_string = user_pass
      assert_equal "s3cr3t", P.get("db")
      assert_equal basic(user_pass), server.log.last["authorization"]
      assert_equal "Basic YWRtaW46cGFzcw==", basic("admin:pass")
    end
  end

  def test_bearer_from_the_api_key_and_refusals
    with_blocks_server("db" => "s3cr3t") do |server|
      use_blocks(server)
      P.reuse_window = 0
      P.api_auth_string = "u:p"
      P.api_key = "pnu_key"
      server.require_auth("Bearer pnu_key")
      assert_raises(P::AuthError) { P.get("db") } # still Basic
      P.api_auth_string = nil
      assert_equal "s3cr3t", P.get("db")
      assert_equal "Bearer pnu_key", server.log.last["authorization"]

      # A wrong key refused with 403 is an auth error too, and the key is not in the message.
      server.require_auth("Bearer pnu_key", 403)
      P.api_key = "pnu_wrong"
      e = assert_raises(P::AuthError) { P.get("db") }
      assert_match(/403/, e.message)
      refute_includes e.message, "pnu_"
      P.api_key = nil
      assert_raises(P::AuthError) { P.get("db") }
      assert_nil server.log.last["authorization"]

      # A credential that cannot go in a header fails before anything is sent.
      sent = server.log.size
      P.api_key = "line\nbreak"
      assert_raises(P::ClientError) { P.get("db") }
      assert_equal sent, server.log.size
    end
  end

  # PREFECT_API_* are read when the configuration is loaded; nil goes back to them.
  def test_environment_variables_and_nil
    with_blocks_server("db" => { "from" => "env" }) do |server|
      ENV["PREFECT_API_URL"] = "#{server.url}/api"
      ENV["PREFECT_API_KEY"] = "env-key"
      P.reset_config
      P.configure do |c|
        c.use_local_secrets = false
        c.server_flavor = :prefect_3
        c.reuse_window = 0
      end
      server.require_auth("Bearer env-key")
      assert_equal({ "from" => "env" }, P.get("db"))

      P.api_key = "set-key"
      assert_raises(P::AuthError) { P.get("db") }
      P.api_key = nil
      assert_equal({ "from" => "env" }, P.get("db"))

      P.api_url = "http://127.0.0.1:9/api" # nothing listens there
      assert_raises(P::ClientError) { P.get("db") }
      P.api_url = nil
      assert_equal({ "from" => "env" }, P.get("db"))

      # PREFECT_API_AUTH_STRING wins over PREFECT_API_KEY, once the configuration is reloaded.
      ENV["PREFECT_API_AUTH_STRING"] = "u:p"
      assert_equal({ "from" => "env" }, P.get("db")) # not read yet
      P.reset_config
      P.configure do |c|
        c.use_local_secrets = false
        c.server_flavor = :prefect_3
      end
      server.require_auth(basic("u:p"))
      assert_equal({ "from" => "env" }, P.get("db"))
      P.api_auth_string = "u:other"
      assert_raises(P::AuthError) { P.get("db") }
      P.api_auth_string = nil
      assert_equal({ "from" => "env" }, P.get("db"))
    end
  end

  def test_setter_arguments
    { api_url: "http://\xff/api", api_key: "key-\xff", api_auth_string: "u:\xff" }.each do |setter, value|
      e = assert_raises(P::InvalidArgumentError, setter) { P.public_send(:"#{setter}=", value.b) }
      assert_match(/UTF-8/, e.message)
    end
    P.configure do |c|
      c.api_url = "http://127.0.0.1:4200/api"
      c.api_key = :pnu_symbol
      c.api_auth_string = "admin:pass"
      c.api_url = nil
      c.api_key = nil
      c.api_auth_string = nil
    end
  end

  def test_errors
    with_blocks_server do |server|
      server.raw("no-data", '{"id": "x", "name": "no-data"}')
      server.raw("no-value", '{"data": {}}')
      server.raw("not-json", "<html>")
      P.configure do |c|
        c.use_local_secrets = false
        c.server_flavor = :prefect_3
        c.reuse_window = 0
      end
      e = assert_raises(P::ClientError) { P.get("db") }
      assert_match(/PREFECT_API_URL/, e.message)

      P.api_url = "#{server.url}/api"
      %w[no-data no-value not-json].each do |name|
        assert_raises(P::ClientError, name) { P.get(name) }
      end
      P.api_url = "#{server.url}/not-the-api"
      e = assert_raises(P::ClientError) { P.get("db") }
      assert_match(/400/, e.message)
    end
  end
end

# The opt-in cache of server values.
class CacheTest < LibraryTest
  P = PrefectSecrets

  def test_cache_ttl_arguments
    [-1, -0.001, Float::NAN, Float::INFINITY, 1e9].each do |ttl|
      e = assert_raises(P::InvalidArgumentError, ttl.to_s) { P.cache_ttl = ttl }
      assert_equal(-1, e.status)
    end
    P.cache_ttl = 0
    P.cache_ttl = Rational(1, 3)
    P.cache_ttl = 999_999_999
    assert_nil P.cache_clear
    assert_nil P.cache_clear # nothing cached: still fine
  end

  def test_gets_within_the_ttl_make_one_request
    with_blocks_server("db" => "v1") do |server|
      use_blocks(server)
      P.reuse_window = 0 # only the cache may spare a request

      # Off by default: every get asks.
      2.times { assert_equal "v1", P.get("db") }
      assert_equal 2, server.log.size

      P.cache_ttl = 60
      assert_equal "v1", P.get("db")
      server["db"] = "v2"
      assert_equal "v1", P.get("db") # within the TTL: from memory
      assert_equal '"v1"', P.get_json("db")
      assert_equal "v1", Thread.new { P.get_text("db") }.value # process-wide: any thread
      assert_equal 3, server.log.size

      # cache_clear: the next get asks again.
      P.cache_clear
      2.times { assert_equal "v2", P.get("db") }
      assert_equal 4, server.log.size

      # Names the server does not know are not cached.
      2.times { assert_nil P.get("absent") }
      assert_equal 6, server.log.size

      # Any setter ends the cache.
      server["db"] = "v3"
      P.cache_ttl = 60
      assert_equal "v3", P.get("db")
      assert_equal 7, server.log.size

      # Entries expire.
      server["db"] = "v4"
      P.cache_ttl = 0.2
      2.times { assert_equal "v4", P.get("db") }
      assert_equal 8, server.log.size
      sleep 0.3
      server["db"] = "v5"
      assert_equal "v5", P.get("db")
      assert_equal 9, server.log.size

      # 0 turns it off again.
      P.cache_ttl = 0
      2.times { assert_equal "v5", P.get("db") }
      assert_equal 11, server.log.size
    end
  end

  def test_the_default_flavor_is_cached_too
    responses = %w[g1 g2].map { |v| { "status" => 200, "body" => { "data" => { "secretValue" => v } } } }
    with_server(responses: responses) do |server|
      use_server(server)
      P.reuse_window = 0
      P.cache_ttl = 60
      2.times { assert_equal "g1", P.get("db") }
      P.cache_clear
      assert_equal "g2", P.get("db")
      assert_equal 2, server.log.size
    end
  end
end
