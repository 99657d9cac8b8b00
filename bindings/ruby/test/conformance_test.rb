# frozen_string_literal: true

require_relative "test_helper"

# The public conformance cases, through the binding, against the outcomes Prefect 0.5.3
# gave for them (tests/conformance/public-*.json; judged like disagreement() in
# tests/oracle/oracle.py). One test per case; cloud-* cases get a loopback server.
class ConformanceTest < Minitest::Test
  include PythonValues

  # Another set (e.g. tests/conformance/cases.json and expected.json, all cases) can be
  # run with PREFECT_SECRETS_CONFORMANCE_CASES and PREFECT_SECRETS_CONFORMANCE_EXPECTED.
  DIR = File.expand_path("../../../tests/conformance", __dir__)
  CASES_FILE = File.expand_path(ENV.fetch("PREFECT_SECRETS_CONFORMANCE_CASES", File.join(DIR, "public-cases.json")))
  EXPECTED_FILE = File.expand_path(ENV.fetch("PREFECT_SECRETS_CONFORMANCE_EXPECTED",
                                             File.join(DIR, "public-expected.json")))
  ERROR_KINDS = { -1 => "invalid_argument", -2 => "buffer_too_small", -3 => "flow_building",
                  -4 => "auth", -5 => "client", -6 => "config", -99 => "internal" }.freeze
  P = PrefectSecrets

  def self.load_cases
    return [] unless File.exist?(CASES_FILE) && File.exist?(EXPECTED_FILE)

    expected = JSON.parse(File.read(EXPECTED_FILE)).to_h { |e| [e["id"], e["expected"]] }
    JSON.parse(File.read(CASES_FILE)).map { |c| [c, expected.fetch(c["id"])] }
  end

  CASES = load_cases

  def test_cases_are_present
    assert_operator CASES.size, :>, 0, "no conformance cases in #{CASES_FILE}"
    assert(CASES.any? { |c, _| c.key?("server") })
  end

  CASES.each do |kase, expected|
    define_method("test_case_#{kase['id'].gsub(/\W/, '_')}") { run_case(kase, expected) }
  end

  # ---- running a case -------------------------------------------------------------------

  def run_case(kase, want)
    saved_env = ENV.to_h
    home = Dir.mktmpdir("prefect-secrets-conformance-")
    server = LoopbackServer.new(responses: kase.dig("server", "responses") || [],
                                refresh: kase.dig("server", "refresh")) if kase.key?("server")
    marks = { "{HOME}" => home }
    marks["{SERVER}"] = server.url if server
    kase = substitute(kase, marks)
    want = substitute(want, marks)
    write_home(home, kase)
    got = outcome(kase, home)
    got["requests"] = server.log if server
    why = judge(want, got)
    assert_nil why, "#{kase['id']}: #{why}"
  ensure
    ENV.replace(saved_env)
    server&.close
    FileUtils.remove_entry(home) if home
  end

  def substitute(obj, marks)
    case obj
    when String then marks.reduce(obj) { |s, (k, v)| s.gsub(k, v) }
    when Hash then obj.transform_values { |v| substitute(v, marks) }
    when Array then obj.map { |v| substitute(v, marks) }
    else obj
    end
  end

  def write_home(home, kase)
    prefect = File.join(home, ".prefect")
    if kase["user_config"]
      FileUtils.mkdir_p(prefect)
      File.write(File.join(prefect, "config.toml"), kase["user_config"])
    end
    return unless kase["credentials"]

    FileUtils.mkdir_p(File.join(prefect, ".credentials"))
    File.write(File.join(prefect, ".credentials", "auth_token"), kase["credentials"])
  end

  # What the library answers, in the order libworker.py uses.
  def outcome(kase, home)
    ENV.each_key { |k| ENV.delete(k) if k.start_with?("PREFECT__") }
    (kase["env"] || {}).each { |k, v| ENV[k] = v }
    ENV["HOME"] = home
    P.reset_config
    (kase["config_set"] || {}).each do |key, value|
      case key
      when "use_local_secrets" then P.use_local_secrets = python_truthy(value)
      when "auth_token" then P.auth_token = value
      when "cloud_graphql" then P.cloud_graphql = value
      else raise "unknown config_set key #{key}"
      end
    end
    (kase["context_set"] || {}).each { |name, value| P.context_set(name, value) }
    P.flow_building = true if kase["flow_building"]
    value = P.get(kase["name"])
    return { "status" => "none" } if value.nil?

    { "status" => "value", "value" => value, "text" => P.get_text(kase["name"]) }
  rescue P::Error => e
    { "status" => "error", "error" => ERROR_KINDS.fetch(e.status, e.status.to_s), "message" => e.message }
  end

  # Like disagreement() in tests/oracle/oracle.py: nil when the outcome agrees.
  def judge(want, got)
    return nil if want["status"] == "error" && want["error"] == "recursion"
    return "oracle crashed: #{want['message']}" if want["status"] == "crash"
    return "status #{got['status']} (#{got['message']}), expected #{want['status']}" if want["status"] != got["status"]
    if want["status"] == "error" && want["error"] != got["error"]
      return "error #{got['error']} (#{got['message']}), expected #{want['error']} (#{want['message']})"
    end

    if want["status"] == "value"
      why = judge_value(want, got)
      return why if why
    end
    wreq = want["requests"] || []
    greq = got["requests"] || []
    if greq[0, wreq.size] != wreq || (wreq.empty? && !greq.empty?) || greq.size > 2 * wreq.size
      return "requests #{JSON.generate(greq)[0, 300]}, expected #{JSON.generate(wreq)[0, 300]}"
    end

    nil
  end

  def judge_value(want, got)
    expected = python_json(want["json"])
    value = got["value"]
    return "get #{value.inspect[0, 120]}, expected #{want['json'][0, 120]}" unless same_value?(expected, value)

    text = got["text"]
    return "get_text found nothing where get found a value" if text.nil?

    if expected.is_a?(String)
      if !expected.b.match?(/\xED[\xA0-\xBF]/n) && text.b != expected.b
        return "get_text #{text.inspect[0, 80]}, expected the string itself #{expected.inspect[0, 80]}"
      end
    else
      parsed = begin
        python_json(text)
      rescue JSON::ParserError
        return "get_text #{text.inspect[0, 80]} is not JSON of a non-string value"
      end
      return "get_text #{text.inspect[0, 80]}, expected JSON of #{want['json'][0, 80]}" unless same_value?(expected, parsed)
    end
    nil
  end

  # Python's JSON (NaN, Infinity, lone surrogates) as Ruby values. JSON.parse alone
  # would mis-decode a lone surrogate followed by an escape.
  def python_json(text)
    PrefectSecrets::ValueDecoder.decode(text)
  end

  # Python's bool(value).
  def python_truthy(value)
    !(value.nil? || value == false || value == 0 || ((value.is_a?(String) || value.is_a?(Array) || value.is_a?(Hash)) && value.empty?))
  end
end
