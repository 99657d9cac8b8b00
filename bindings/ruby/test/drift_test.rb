# frozen_string_literal: true

require_relative "test_helper"

# The C header is the one source of truth for the C ABI. These tests read the repository's
# include/prefect_secrets.h and fail when the binding has fallen behind it: a function
# missing from Native::FUNCTIONS (see UNBOUND for the deliberate ones) or bound with other
# argument or return types, a status without its Ruby counterpart (an Error subclass, or a
# Native::SECRET_* constant) or numbered differently, a server flavour missing from
# SERVER_FLAVORS; and, the other way, anything the binding has that the header lacks.
# No library call: the binding's tables are compared with the header's text.
class DriftTest < Minitest::Test
  HEADER_PATH = File.expand_path("../../../include/prefect_secrets.h", __dir__)
  HEADER = "include/prefect_secrets.h" # in messages
  N = PrefectSecrets::Native

  # The header's functions the binding deliberately does not bind, with the reason. An
  # entry that FUNCTIONS binds after all, or that the header no longer declares, fails.
  UNBOUND = {
    secret_get: "the caller-buffer protocol: get_text calls secret_get_alloc instead " \
                "(Native::ALLOC_GETTERS), which sizes and allocates the value in one call",
    secret_get_json: "the caller-buffer protocol: get_json calls secret_get_json_alloc instead " \
                     "(Native::ALLOC_GETTERS)",
    secret_context_set: "context_set calls secret_context_set_bytes, so a value with NUL bytes is passed whole",
    secret_get_alloc_within: "the Ruby binding has no per-call deadline yet (Go's GetContext has one)",
    secret_get_json_alloc_within: "the Ruby binding has no per-call deadline yet (Go's GetJSONContext has one)"
  }.freeze

  POINTER = Fiddle::TYPE_VOIDP
  # The Fiddle type(s) each C type of the header must be bound with; a pointer (any type
  # ending in *) is POINTER. C bool is one byte, 0 or 1: an unsigned char (Fiddle 1.1 has
  # no TYPE_BOOL; a later Fiddle's TYPE_BOOL is accepted too).
  C_TYPES = {
    "void" => [Fiddle::TYPE_VOID],
    "int32_t" => [Fiddle::TYPE_INT32_T],
    "size_t" => [Fiddle::TYPE_SIZE_T],
    "double" => [Fiddle::TYPE_DOUBLE],
    "uint64_t" => [-Fiddle::TYPE_INT64_T] + (defined?(Fiddle::TYPE_UINT64_T) ? [Fiddle::TYPE_UINT64_T] : []),
    "bool" => [-Fiddle::TYPE_CHAR] + (defined?(Fiddle::TYPE_BOOL) ? [Fiddle::TYPE_BOOL] : [])
  }.freeze

  def header
    skip "#{HEADER_PATH} not found: not inside the prefect-secrets repository" unless File.exist?(HEADER_PATH)
    @header ||= File.read(HEADER_PATH)
  end

  # The header without comments and preprocessor lines.
  def header_code
    header.gsub(%r{/\*.*?\*/}m, " ").gsub(%r{//[^\n]*}, "").gsub(/^\s*#[^\n]*/, "")
  end

  # { name => [[argument C types], return C type] }, from each prototype: cbindgen puts a
  # long parameter list on several lines, so a prototype runs from its return type to ");".
  def header_functions
    found = header_code.scan(/^[ \t]*([A-Za-z_][\w \t]*?[\s*]+)(secret_\w+)\s*\(([^)]*)\)\s*;/m)
    refute_empty found, "#{HEADER}: no secret_* prototypes found"
    unread = header_code.scan(/\b(secret_\w+)\s*\(/).flatten.uniq - found.map { |f| f[1] }
    assert_empty unread, "#{HEADER}: cannot read the prototypes of these functions"
    found.to_h do |ret, name, params|
      params = params.strip
      args = params == "void" || params.empty? ? [] : params.split(",").map { |p| c_param_type(name, p) }
      [name.to_sym, [args, c_type(ret)]]
    end
  end

  # "const char *name" => "const char *"; a parameter must be named (cbindgen names them).
  def c_param_type(function, param)
    m = param.strip.match(/\A(.*?)\s*\b[A-Za-z_]\w*\z/m)
    flunk "#{HEADER}: #{function}: cannot read the parameter #{param.strip.inspect}" unless m && !m[1].empty?
    c_type(m[1])
  end

  def c_type(text)
    text.gsub(/\s+/, " ").gsub(/\s*(\*+)/, ' \1').strip
  end

  # [[name, value]] of `enum <name> { ... };`, in order. Every line of the body must be an
  # enumerator, so that a change of format fails instead of comparing nothing.
  def header_enum(name)
    body = header_code[/^enum #{name}\b[^{]*\{(.*?)\};/m, 1]
    flunk "#{HEADER}: no enum #{name} { ... };" unless body
    list = body.lines.map(&:strip).reject(&:empty?).map do |line|
      m = line.match(/\A(SECRET_[A-Z0-9_]+)\s*=\s*(-?\d+)\s*,?\z/)
      flunk "#{HEADER}: enum #{name}: cannot read the line #{line.inspect}" unless m
      [m[1], Integer(m[2], 10)]
    end
    refute_empty list, "#{HEADER}: enum #{name} has no enumerators"
    list
  end

  # The name of a Fiddle type for a message: the Native constants that have it, if any
  # (SIZE and U64 are the same Fiddle type on 64-bit platforms).
  def type_name(type)
    names = %i[P I32 SIZE U64 BOOL DOUBLE VOID].select { |c| N.const_get(c) == type }
    names.empty? ? type.inspect : "#{names.join('/')} (#{type})"
  end

  def expected_types(function, ctype)
    return [POINTER] if ctype.end_with?("*")

    C_TYPES.fetch(ctype) do
      flunk "#{HEADER}: #{function} uses the C type #{ctype.inspect}, which this test does not know: " \
            "add it to DriftTest::C_TYPES with the Fiddle type it must be bound with"
    end
  end

  def test_every_export_is_bound
    exports = header_functions.keys
    bound = N::FUNCTIONS.keys
    missing = exports - bound - UNBOUND.keys
    assert_empty missing, "#{HEADER} declares these functions but Native::FUNCTIONS does not bind them: " \
                          "add them to native.rb (and a method to api.rb), or to DriftTest::UNBOUND with the reason"
    extra = bound - exports
    assert_empty extra, "Native::FUNCTIONS binds functions #{HEADER} does not declare"
    stale = UNBOUND.keys - exports
    assert_empty stale, "DriftTest::UNBOUND lists functions #{HEADER} does not declare: remove them"
    both = UNBOUND.keys & bound
    assert_empty both, "DriftTest::UNBOUND lists functions Native::FUNCTIONS binds: remove them from UNBOUND"
    N::ALLOC_GETTERS.each do |public_name, alloc|
      assert_includes exports, public_name, "Native::ALLOC_GETTERS: #{public_name} is not in the header"
      assert_includes bound, alloc, "Native::ALLOC_GETTERS: #{alloc} is not bound"
    end
  end

  def test_bound_functions_have_the_header_types
    functions = header_functions
    wrong = []
    N::FUNCTIONS.each do |name, (args, ret, need_gvl)|
      next unless functions.key?(name) # test_every_export_is_bound reports it

      assert_includes [true, false], need_gvl, "Native::FUNCTIONS[:#{name}]: need_gvl must be true or false"
      cargs, cret = functions[name]
      unless args.size == cargs.size
        wrong << "#{name}: #{args.size} argument(s) bound, the header has #{cargs.size} (#{cargs.join(', ')})"
        next
      end
      cargs.each_with_index do |ctype, i|
        want = expected_types(name, ctype)
        next if want.include?(args[i])

        wrong << "#{name}: argument #{i + 1} (#{ctype}) is bound as #{type_name(args[i])}, " \
                 "want #{want.map { |w| type_name(w) }.join(' or ')}"
      end
      want = expected_types(name, cret)
      next if want.include?(ret)

      wrong << "#{name}: the return type (#{cret}) is bound as #{type_name(ret)}, " \
               "want #{want.map { |w| type_name(w) }.join(' or ')}"
    end
    assert_empty wrong, "Native::FUNCTIONS differs from #{HEADER}"
  end

  # "SECRET_ERR_INVALID_ARGUMENT" for PrefectSecrets::InvalidArgumentError.
  def c_status_name(klass)
    "SECRET_ERR_#{klass.name.split('::').last.delete_suffix('Error').gsub(/(?<=[a-z0-9])(?=[A-Z])/, '_').upcase}"
  end

  def error_classes
    PrefectSecrets.constants.map { |c| PrefectSecrets.const_get(c) }
                  .select { |k| k.is_a?(Class) && k < PrefectSecrets::Error }
  end

  # An error status (negative) is an Error subclass named after it (SECRET_ERR_AUTH is
  # AuthError) with the same STATUS, and Error.class_for finds it; a non-error status is a
  # Native constant of the same name. Nothing the header lacks.
  def test_statuses_match_the_header
    statuses = header_enum("SecretStatus")
    wrong = []
    statuses.each do |name, value|
      if value.negative?
        klass = PrefectSecrets::Error.class_for(value)
        if klass == PrefectSecrets::Error
          wrong << "#{name} = #{value}: no Error subclass with STATUS = #{value} in errors.rb (and in Error::BY_STATUS)"
        elsif c_status_name(klass) != name
          wrong << "#{name} = #{value}: Error.class_for(#{value}) is #{klass}, which stands for #{c_status_name(klass)}"
        end
      elsif !N.const_defined?(name, false)
        wrong << "#{name} = #{value}: no Native::#{name} constant in native.rb"
      elsif N.const_get(name, false) != value
        wrong << "#{name} = #{value}: Native::#{name} is #{N.const_get(name, false)}"
      end
    end
    by_name = statuses.to_h
    error_classes.each do |klass|
      name = c_status_name(klass)
      wrong << "#{klass}: STATUS is #{klass::STATUS.inspect}, the header has #{name} = #{by_name[name].inspect}" \
        unless by_name.key?(name) && by_name[name] == klass::STATUS
    end
    (N.constants.grep(/\ASECRET_/).map(&:to_s) - by_name.keys).each do |name|
      wrong << "Native::#{name} is not a status of the header"
    end
    wrong << "Error::BY_STATUS has #{PrefectSecrets::Error::BY_STATUS.keys.sort}, the header's error statuses are " \
             "#{by_name.values.select(&:negative?).sort}" \
      unless PrefectSecrets::Error::BY_STATUS.keys.sort == by_name.values.select(&:negative?).sort
    assert_empty wrong, "the Ruby statuses differ from enum SecretStatus in #{HEADER}"
  end

  # SERVER_FLAVORS is the header's SecretServerFlavor enum, named after it
  # (SECRET_SERVER_PREFECT_0_5 is :prefect_0_5).
  def test_server_flavors_match_the_header
    want = header_enum("SecretServerFlavor").to_h do |name, value|
      [name.delete_prefix("SECRET_SERVER_").downcase.to_sym, value]
    end
    assert_equal want, PrefectSecrets::SERVER_FLAVORS,
                 "PrefectSecrets::SERVER_FLAVORS (api.rb) differs from enum SecretServerFlavor in #{HEADER}"
  end
end
