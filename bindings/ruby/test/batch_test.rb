# frozen_string_literal: true

require_relative "test_helper"

# PrefectSecrets.get_many, the batch get (secret_get_many): names go in and values come
# back in a Hash, as single gets give them; the first failure raises its class; the batch
# is freed once whatever happens. What the library resolves is tested in Rust and C.
class BatchTest < LibraryTest
  P = PrefectSecrets

  def set_up_secrets
    ENV["PREFECT__CONTEXT__SECRETS__FROM_ENV"] = '{"user": "svc", "port": 5432}'
    P.reset_config
    { "token" => "hunter2", "nul" => "a\0b", "empty" => "", "unicode" => "mot de passe été",
      "none" => "null", "number" => "42", "long" => "x" * 100_000 }.each { |name, value| P.context_set(name, value) }
    %w[token from_env missing nul empty unicode none number long token]
  end

  def test_values_are_what_single_gets_give
    names = set_up_secrets
    values = P.get_many(names)
    assert_equal({ "token" => "hunter2", "from_env" => { "user" => "svc", "port" => 5432 }, "missing" => nil,
                   "nul" => "a\0b", "empty" => "", "unicode" => "mot de passe été", "none" => nil,
                   "number" => 42, "long" => "x" * 100_000 }, values)
    names.each { |name| assert_same_value P.get(name), values[name], name }
    assert_equal Encoding::UTF_8, values["unicode"].encoding

    json = P.get_many(names, json: true)
    assert_equal '{"user":"svc","port":5432}', json["from_env"]
    assert_equal '"mot de passe \u00e9t\u00e9"', json["unicode"]
    names.each { |name| assert P.get_json(name) == json[name], name }
    assert(json.values.compact.all? { |v| v.encoding == Encoding::UTF_8 })
  end

  def test_empty_list_symbols_and_duplicates
    assert_equal({}, P.get_many([]))
    assert_equal({}, P.get_many([], json: true))
    P.context_set("sym", "v")
    assert_equal({ sym: "v", "sym" => "v" }, P.get_many([:sym, "sym", :sym]))
  end

  def test_the_first_failure_raises_its_class
    P.context_set("db", "dv-rb-batch-4e2a")
    P.flow_building = true
    e = assert_raises(P::FlowBuildingError) { P.get_many(%w[db missing]) }
    assert_equal(-3, e.status)
    assert_equal '2 of 2 names failed; the first, names[0] "db": Secrets should only be retrieved ' \
                 "during a Flow run, not while building a Flow.", e.message
    assert_raises(P::FlowBuildingError) { P.get_many(%w[missing], json: true) }
    P.flow_building = false

    # A name the library refuses fails its own entry; the others resolve, but raise nothing.
    e = assert_raises(P::InvalidArgumentError) { P.get_many(["db", "bad\xff".b, "missing"]) }
    assert_equal '1 of 3 names failed; the first, names[1] "bad\xFF": names[1]: a name is not valid UTF-8', e.message
    refute_includes e.message, "dv-rb"

    ENV["PREFECT__CONTEXT__SECRETS__S"] = "dangling\\"
    assert_raises(P::ConfigError) { P.reset_config }
    e = assert_raises(P::ConfigError) { P.get_many(%w[db s]) }
    assert_match(/\A2 of 2 names failed; the first, names\[0\] "db": /, e.message)
  end

  def test_arguments_are_checked_before_the_library_is_called
    assert_raises(P::InvalidArgumentError) { P.get("\xff".b) } # this thread's last error
    e = assert_raises(P::InvalidArgumentError) { P.get_many(["ok", "a\0b"]) }
    assert_equal "names[1] contains a NUL byte, which a C string cannot carry", e.message
    assert_raises(TypeError) { P.get_many("db") }
    assert_raises(TypeError) { P.get_many(nil) }
    assert_raises(TypeError) { P.get_many(["db", 42]) }
    assert_raises(TypeError) { P.get_many(["db"], json: "yes") }
    assert_equal "name is not valid UTF-8", P::Native.last_error # the library was not called
  end

  # Each batch is freed exactly once, also when its call raises; none is made for a
  # refused argument.
  def test_each_batch_is_freed_once
    P.context_set("s", "x" * 3000)
    watching_frees(:secret_batch_free) do |freed|
      assert_equal({ "s" => "x" * 3000, "absent" => nil }, P.get_many(%w[s absent]))
      assert_equal({}, P.get_many([]))
      P.flow_building = true
      assert_raises(P::FlowBuildingError) { P.get_many(%w[s]) }
      P.flow_building = false
      assert_raises(P::InvalidArgumentError) { P.get_many(["a\0"]) }
      assert_equal 3, freed.size # (an address may come back: the allocator reuses memory)
      refute_includes freed, 0
    end
  end

  def test_threads_get_their_own_names_and_errors
    8.times { |i| P.context_set("k#{i}", %({"t": #{i}})) }
    threads = Array.new(8) do |i|
      Thread.new do
        Array.new(100) do |round|
          if round.even?
            P.get_many(["k#{i}", "missing"])
          else
            begin
              P.get_many(["k#{i}", "bad#{i}\xff".b])
            rescue P::InvalidArgumentError => e
              e.message
            end
          end
        end
      end
    end
    threads.each_with_index do |t, i|
      t.value.each_with_index do |got, round|
        want = if round.even?
                 { "k#{i}" => { "t" => i }, "missing" => nil }
               else
                 "1 of 2 names failed; the first, names[1] #{"bad#{i}\xff".b.inspect}: names[1]: a name is not valid UTF-8"
               end
        assert_equal want, got, "thread #{i}, round #{round}"
      end
    end
  end

  # Against a Prefect 3 server: one filter request for every name (after the CSRF token
  # query), values decoded as a single get decodes them.
  def test_prefect_3_one_request
    values = { "db" => { "user" => "svc" }, "token" => "hunter2", "json-text" => '{"a": 1}', "null" => nil }
    with_blocks_server(values) do |blocks|
      use_blocks(blocks)
      P.api_key = "pnu_batch"
      assert_equal({ "db" => { "user" => "svc" }, "missing" => nil, "token" => "hunter2",
                     "json-text" => { "a" => 1 }, "null" => nil },
                   P.get_many(%w[db missing token json-text null db]))
      log = blocks.log
      assert_equal ["GET", "POST"], log.map { |r| r["method"] }
      assert_match(%r{\A/api/csrf-token\?client=[0-9a-f-]{36}\z}, log[0]["uri"])
      assert_equal "/api/block_documents/filter", log[1]["uri"]
      assert_equal ["Bearer pnu_batch"] * 2, log.map { |r| r["authorization"] }

      assert_equal({ "token" => '"hunter2"', "missing" => nil }, P.get_many(%w[token missing], json: true))
      assert_equal ["POST /api/block_documents/filter"], blocks.log.drop(2).map { |r| "#{r['method']} #{r['uri']}" }
    end
  end
end
