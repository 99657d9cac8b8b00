# frozen_string_literal: true

$LOAD_PATH.unshift(File.expand_path("../lib", __dir__))
$LOAD_PATH.unshift(__dir__)

require "minitest/autorun"
require "tmpdir"
require "fileutils"
require "prefect_secrets"
require "support/loopback_server"
require "support/blocks_server"

# Helpers shared by the tests. The library's state is process-wide, so every test starts
# from a clean one: no PREFECT__* or PREFECT_API_* variables, HOME a fresh empty directory
# (no user config, no credentials file), and a reset configuration. ENV is restored
# afterwards.
module LibraryStateIsolation
  def setup
    super
    @saved_env = ENV.to_h
    @home = Dir.mktmpdir("prefect-secrets-ruby-home-")
    clean_env(HOME: @home)
    PrefectSecrets.reset_config
  end

  def teardown
    ENV.replace(@saved_env)
    FileUtils.remove_entry(@home) if @home && File.directory?(@home)
    begin
      PrefectSecrets.reset_config
    rescue PrefectSecrets::ConfigError
      nil # the user's own configuration is broken; not this test's business
    end
    super
  end

  # Removes every PREFECT__* and PREFECT_API_* variable and sets these ones.
  def clean_env(vars = {})
    ENV.each_key { |k| ENV.delete(k) if k.start_with?("PREFECT__", "PREFECT_API_") }
    vars.each { |k, v| ENV[k.to_s] = v }
  end

  # Runs the block with every library call watched; yields the list of the addresses
  # passed to free_function (secret_free, or secret_batch_free), which grows as the block
  # goes on.
  def watching_frees(free_function = :secret_free)
    lib = PrefectSecrets::Native.library
    call = lib.method(:call)
    freed = []
    spy = lambda do |name, *args|
      freed << args.first.to_i if name == free_function
      call.call(name, *args)
    end
    lib.stub(:call, spy) { yield freed }
  end

  # Points the library at a loopback server for server-path gets.
  def use_server(server, token: "tok-1")
    PrefectSecrets.configure do |c|
      c.use_local_secrets = false
      c.cloud_graphql = "#{server.url}/graphql/alpha"
      c.auth_token = token
    end
  end

  def with_server(**options)
    server = LoopbackServer.new(**options)
    yield server
  ensure
    server&.close
  end

  # Points the library at a Prefect 3 blocks server (see BlocksServer).
  def use_blocks(server)
    PrefectSecrets.configure do |c|
      c.use_local_secrets = false
      c.server_flavor = :prefect_3
      c.api_url = "#{server.url}/api"
    end
  end

  def with_blocks_server(values = {})
    server = BlocksServer.new(values)
    yield server
  ensure
    server&.close
  end
end

# Comparing values as Python compares them.
module PythonValues
  # Python-value equality: Integer, Float and true/false differ; NaN equals NaN; -0.0
  # differs from 0.0; Hash key order is ignored; strings compare by bytes.
  def same_value?(a, b)
    case a
    when Float
      return false unless b.is_a?(Float)
      return a.nan? && b.nan? if a.nan? || b.nan?

      a == b && (1.0 / a).positive? == (1.0 / b).positive?
    when Integer then b.is_a?(Integer) && a == b
    when true, false, nil then a.equal?(b)
    when String then b.is_a?(String) && a.b == b.b
    when Array then b.is_a?(Array) && a.size == b.size && a.zip(b).all? { |x, y| same_value?(x, y) }
    when Hash
      return false unless b.is_a?(Hash) && a.size == b.size

      bk = b.to_h { |k, v| [k.b, v] }
      a.all? { |k, v| bk.key?(k.b) && same_value?(v, bk[k.b]) }
    else false
    end
  end

  def assert_same_value(expected, actual, message = nil)
    assert same_value?(expected, actual), message || "expected #{expected.inspect}, got #{actual.inspect}"
  end
end

class LibraryTest < Minitest::Test
  include LibraryStateIsolation
  include PythonValues
end
