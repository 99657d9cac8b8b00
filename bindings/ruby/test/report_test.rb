# frozen_string_literal: true

require_relative "test_helper"

# The reports for people (explain, config_view) and settings by name (set_config).
# Reports never hold a value or a credential; set_config's errors name the key, never
# the value.
class ReportTest < LibraryTest
  P = PrefectSecrets

  # ---- explain --------------------------------------------------------------------------

  def test_explain_a_secret_set_through_the_api
    P.context_set("db", '{"user": "svc", "pw": "ex-distinctive-7f3a"}')
    report = P.explain("db")
    assert_equal Encoding::UTF_8, report.encoding
    assert_predicate report, :valid_encoding?
    assert_includes report, "found"
    assert_includes report, "this library's API"
    refute_includes report, "ex-distinctive-7f3a"
    refute_includes report, "svc"
  end

  def test_explain_suggests_the_name_in_another_case
    P.context_set("my_key", "mk-distinctive-91c2")
    report = P.explain("MY_KEY")
    assert_includes report, "not found"
    assert_includes report, 'did you mean "my_key"?'
    refute_includes report, "mk-distinctive-91c2"
  end

  def test_explain_takes_names_as_get_does
    P.context_set(:sym, "v")
    assert_equal P.explain("sym"), P.explain(:sym)
    assert_raises(TypeError) { P.explain(nil) }
    assert_raises(TypeError) { P.explain(5) }
    e = assert_raises(P::InvalidArgumentError) { P.explain("a\0b") }
    assert_match(/NUL/, e.message)
  end

  def test_explain_reports_an_environment_variable_and_a_broken_configuration
    ENV["PREFECT__CONTEXT__SECRETS__PORT"] = "5432"
    P.reset_config
    report = P.explain("port")
    assert_includes report, "environment variable PREFECT__CONTEXT__SECRETS__PORT"
    refute_includes report, "5432"

    ENV["PREFECT__CONTEXT__SECRETS__S"] = "bk-distinctive\\"
    assert_raises(P::ConfigError) { P.reset_config }
    report = P.explain("s") # reported, not raised
    assert_includes report, "the configuration cannot be loaded"
    assert_includes report, "PREFECT__CONTEXT__SECRETS__S"
    refute_includes report, "bk-distinctive"
    e = assert_raises(P::ConfigError) { P.config_view }
    refute_includes e.message, "bk-distinctive"
  end

  # ---- config_view ----------------------------------------------------------------------

  def test_config_view_masks_credentials_and_shows_sources
    P.auth_token = "tok-distinctive-4d1e"
    P.context_set("db", "cv-distinctive-22b9")
    view = P.config_view(show_sources: true)
    assert_equal Encoding::UTF_8, view.encoding
    assert_includes view, %(auth_token = "******** (text)"  # this library's API)
    refute_includes view, "tok-distinctive-4d1e"
    refute_includes view, "cv-distinctive-22b9"
  end

  def test_config_view_without_sources_has_no_comments
    P.auth_token = "tok-distinctive-4d1e"
    [P.config_view, P.config_view(show_sources: false)].each do |view|
      assert_includes view, %(auth_token = "******** (text)")
      refute_includes view, "  # "
      refute_includes view, "tok-distinctive-4d1e"
    end
    assert_raises(TypeError) { P.config_view(show_sources: nil) }
    assert_raises(TypeError) { P.config_view(show_sources: "true") }
  end

  # Each report the library allocates is freed (and wiped) once, with secret_free.
  def test_each_report_is_freed_once
    watching_frees do |freed|
      P.explain("x")
      P.config_view(show_sources: true)
      assert_equal 2, freed.size
      refute_includes freed, 0
      assert_raises(P::InvalidArgumentError) { P.explain("\xff".b) }
      assert_equal 2, freed.size
    end
  end

  # ---- set_config -----------------------------------------------------------------------

  def cache_ttl_lines
    P.config_view.lines.grep(/\Acache_ttl = /).map(&:chomp)
  end

  def test_set_config_sets_and_removes_a_setting
    P.set_config("cache_ttl", "2.5")
    assert_equal ["cache_ttl = 2.5"], cache_ttl_lines
    assert_nil P.set_config("cache_ttl", nil)
    assert_empty cache_ttl_lines
    P.set_config("cloud.cache_ttl", 3) # "3": a Numeric is passed as its to_s
    assert_equal ["cache_ttl = 3.0"], cache_ttl_lines
    P.set_config(:cache_ttl, 0.5)
    assert_equal ["cache_ttl = 0.5"], cache_ttl_lines
  end

  def test_set_config_takes_true_and_false
    P.set_config("use_local_secrets", false)
    assert_includes P.explain("db"), "asked of the server"
    assert_includes P.config_view, "use_local_secrets = false"
    P.set_config("use_local_secrets", "TRUE")
    P.context_set("db", "v")
    assert_equal "v", P.get("db")
  end

  def test_set_config_reaches_the_server_path
    with_server(responses: [{ "status" => 200, "body" => { "data" => { "secretValue" => "from-server" } } }]) do |s|
      P.set_config("use_local_secrets", "false")
      P.set_config("graphql", "#{s.url}/graphql/alpha")
      P.set_config("auth_token", "tok-by-name")
      assert_equal "from-server", P.get("db")
      assert_equal "Bearer tok-by-name", s.log.first["authorization"]
    end
  end

  def test_set_config_credentials_are_masked
    P.set_config("api_key", "ak-distinctive-5e6f")
    view = P.config_view(show_sources: true)
    assert_includes view, %(api_key = "******** (text)"  # this library's API)
    refute_includes view, "ak-distinctive-5e6f"
    P.set_config("api_key", nil)
    refute_includes P.config_view, "api_key"
  end

  def test_set_config_errors_name_the_key_not_the_value
    ["1", "nk-distinctive-0a1b"].each do |value|
      e = assert_raises(P::InvalidArgumentError) { P.set_config("no_such_key", value) }
      assert_equal(-1, e.status)
      # An unknown key is not repeated (it may be a value passed in its place); the
      # settings are listed instead.
      refute_includes e.message, "no_such_key"
      assert_includes e.message, "the settings are use_local_secrets, "
      refute_includes e.message, value
    end
    e = assert_raises(P::InvalidArgumentError) { P.set_config("max_reply_bytes", "dv-distinctive") }
    assert_includes e.message, "max_reply_bytes"
    refute_includes e.message, "dv-distinctive"
    # Nothing changed.
    refute_match(/^max_reply_bytes = /, P.config_view)
  end

  def test_set_config_argument_types
    assert_raises(TypeError) { P.set_config(nil, "1") }
    assert_raises(TypeError) { P.set_config(5, "1") }
    assert_raises(TypeError) { P.set_config("cache_ttl", [1]) }
    assert_raises(TypeError) { P.set_config("cache_ttl", Object.new) }
    e = assert_raises(P::InvalidArgumentError) { P.set_config("auth_token", "t\0k") }
    assert_match(/NUL/, e.message)
    refute_includes e.message, "t\0k"
  end

  # The value's C copy is wiped, as the typed credential setters' are.
  def test_set_config_wipes_its_copy_of_the_value
    wiped = []
    with_bytes = P::Native.method(:with_bytes)
    spy = lambda do |bytes, **options, &block|
      wiped << bytes if options[:wipe]
      with_bytes.call(bytes, **options, &block)
    end
    P::Native.stub(:with_bytes, spy) { P.set_config("auth_token", "tok-wiped") }
    assert_equal ["tok-wiped"], wiped
  end
end
