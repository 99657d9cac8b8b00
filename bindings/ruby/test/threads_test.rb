# frozen_string_literal: true

require_relative "test_helper"

class ThreadsTest < LibraryTest
  P = PrefectSecrets

  def monotonic
    Process.clock_gettime(Process::CLOCK_MONOTONIC)
  end

  def test_sixteen_readers_and_one_writer
    values = [
      ["7", 7],
      ['{"user": "svc", "password": "p4ss"}', { "user" => "svc", "password" => "p4ss" }],
      ["x" * 5000, "x" * 5000],
      ["[#{(1..2000).to_a.join(',')}]", (1..2000).to_a],
      ["a\0b", "a\0b"],
      ["null", nil]
    ]
    P.context_set("shared", values.first[0])
    stop = false
    writes = 0
    writer = Thread.new do
      until stop
        values.each { |text, _| P.context_set("shared", text) }
        writes += 1
        Thread.pass
      end
    end
    readers = Array.new(16) do |i|
      Thread.new do
        seen = []
        300.times do
          seen << (i.even? ? P.get("shared") : P.get_text("shared"))
        end
        seen
      end
    end
    results = readers.map(&:value)
    stop = true
    writer.join
    assert_operator writes, :>, 0
    allowed = values.map(&:last)
    allowed_texts = allowed.map { |v| v.is_a?(String) || v.nil? ? v : JSON.generate(v) }
    results.each_with_index do |seen, i|
      seen.each do |v|
        ok = i.even? ? allowed.any? { |a| same_value?(a, v) } : allowed_texts.include?(v)
        assert ok, "reader #{i} saw #{v.inspect[0, 80]}"
      end
    end
  end

  def test_last_error_belongs_to_the_failing_thread
    threads = Array.new(16) do |i|
      Thread.new do
        Array.new(200) do
          case i % 3
          when 0
            P.get("\xff".b)
          when 1
            P.set_timeouts(connect: -1, request: 1)
          else
            P.max_reply_bytes = 0
          end
        rescue P::InvalidArgumentError => e
          e.message
        end
      end
    end
    expected = ["name is not valid UTF-8", "connect_seconds must be a positive finite number of seconds below 1e9",
                "max_bytes must be between 1 and 2^63 - 1"]
    threads.each_with_index do |t, i|
      assert_equal [expected[i % 3]], t.value.uniq, "thread #{i}"
    end
  end

  # The getters get, get_json and get_text call, and render_template's, release the GVL
  # (they may wait on a server); every other function keeps it.
  def test_getters_release_the_gvl_and_setters_keep_it
    lib = P::Native.library
    waiting = %i[secret_get_alloc secret_get_json_alloc secret_render_template]
    waiting.each { |f| refute lib.function(f).need_gvl?, f }
    others = P::Native::FUNCTIONS.keys.reject { |f| f.start_with?("secret_get") || waiting.include?(f) }
    assert_includes others, :secret_config_set_timeouts
    others.each { |f| assert lib.function(f).need_gvl?, f }
  end

  # The server answers after 1 s. While a get waits for it, another Ruby thread keeps
  # running (it could not if the call held the GVL), and a setter on a third thread
  # returns at once.
  def test_other_threads_run_while_a_get_waits_on_a_slow_server
    with_server(delay: 1.0, responses: [{ "status" => 200, "body" => { "data" => { "secretValue" => "slow" } } }]) do |server|
      use_server(server)
      ticks = 0
      ticker = Thread.new do
        loop do
          ticks += 1
          sleep 0.01
        end
      end
      started = monotonic
      getter = Thread.new { P.get("x") }
      sleep 0.2 until server.log.any? || monotonic - started > 5 # the request is in flight
      ticks_at_request = ticks
      setter_started = monotonic
      P.context_set("other", "v") # the library's state is not locked during the wait
      setter_seconds = monotonic - setter_started
      assert_equal "slow", getter.value
      elapsed = monotonic - started
      ticker.kill
      ticker.join
      assert_operator elapsed, :>=, 0.9
      assert_operator ticks - ticks_at_request, :>=, 20, "the ticker thread stalled during the get"
      assert_operator setter_seconds, :<, 0.3
    end
  end

  def test_concurrent_server_gets
    responses = Array.new(8) { |i| { "status" => 200, "body" => { "data" => { "secretValue" => "v#{i}" } } } }
    with_server(delay: 0.5, responses: responses) do |server|
      use_server(server)
      started = monotonic
      # Distinct names: identical gets at once share a request (docs/server.md, Coalescing).
      values = Array.new(8) { |i| Thread.new { P.get("x#{i}") } }.map(&:value)
      assert_equal (0...8).map { |i| "v#{i}" }.sort, values.sort
      assert_operator monotonic - started, :<, 3.0, "the gets did not overlap"
      assert_equal 8, server.log.size
    end
  end
end
