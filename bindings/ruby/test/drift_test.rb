# frozen_string_literal: true

require_relative "test_helper"

# The C header is the one source of truth for the C ABI: Native binds every function it
# declares with the header's types, and SERVER_FLAVORS and Native::SECRET_OK /
# SECRET_NOT_FOUND come from its enums (lib/prefect_secrets/header.rb reads it when the
# binding is required). What can still fall behind the header fails here:
# - the library: a function the header declares that the library does not export (it
#   does not load);
# - the public API: a header function no public Ruby method calls (api.rb and native.rb
#   never name it as :secret_xxx) and UNBOUND does not list with a reason; a call to a
#   function the header does not declare;
# - the statuses: an error status without its Error subclass in errors.rb, or numbered
#   differently; a status that is not an error and that Native does not handle;
# - the header reader: a prototype or enumerator it did not return; and its refusals (no
#   prototypes, an unknown C type, a declaration it cannot read) must stay refusals.
class DriftTest < Minitest::Test
  P = PrefectSecrets
  N = PrefectSecrets::Native
  H = PrefectSecrets::Header
  HEADER = N::HEADER.source # the header the binding read (include/prefect_secrets.h in a checkout)

  # The header's functions no public Ruby method calls, with the reason. They are bound
  # all the same (a library lacking one does not load). An entry that api.rb or native.rb
  # calls after all, or that the header no longer declares, fails.
  UNBOUND = {
    secret_get: "the caller-buffer protocol: get_text calls secret_get_alloc instead, " \
                "which sizes and allocates the value in one call",
    secret_get_json: "the caller-buffer protocol: get_json calls secret_get_json_alloc instead",
    secret_explain: "the caller-buffer protocol: explain calls secret_explain_alloc instead",
    secret_config_view: "the caller-buffer protocol: config_view calls secret_config_view_alloc instead",
    secret_context_set: "context_set calls secret_context_set_bytes, so a value with NUL bytes is passed whole",
    secret_get_alloc_within: "the Ruby binding has no per-call deadline yet (Go's GetContext has one)",
    secret_get_json_alloc_within: "the Ruby binding has no per-call deadline yet (Go's GetJSONContext has one)",
    secret_get_many_within: "the Ruby binding has no per-call deadline yet (Go's GetManyContext has one)"
  }.freeze

  def header_text
    @header_text ||= File.read(HEADER)
  end

  # The header without comments: what the crude scans below read, independently of Header.
  def header_code
    header_text.gsub(%r{/\*.*?\*/|//[^\n]*}m, " ")
  end

  # The :secret_xxx symbols in the code (comment lines left out) of api.rb and native.rb
  # as loaded: the functions the public methods call.
  def called_functions
    [P.method(:get), N.method(:library)].flat_map do |m|
      code = File.read(m.source_location.first).gsub(/^[ \t]*#[^\n]*/, "")
      code.scan(/(?<![\w:]):(secret_\w+)/).flatten.map(&:to_sym)
    end.uniq
  end

  # ---- The library ----------------------------------------------------------------------

  def test_the_library_exports_every_header_function
    lib = begin
      N.library
    rescue P::LibraryLoadError => e
      flunk "the library does not load with the functions #{HEADER} declares: #{e.message}"
    end
    assert_equal N::HEADER.functions.keys, N::FUNCTIONS.keys, "Native::FUNCTIONS is not every function of the header"
    N::FUNCTIONS.each_key { |f| assert_instance_of Fiddle::Function, lib.function(f) }
  end

  # What loading does when the header declares a function the library lacks.
  def test_a_library_without_a_header_function_is_refused
    header = H.parse("#{header_text}\nint32_t secret_not_exported(void);\n", "a test header")
    path = N.library.path
    e = assert_raises(Fiddle::DLError) { N::Library.new(Fiddle::Handle.new(path), path, N.signatures(header)) }
    assert_includes e.message, "secret_not_exported"
  end

  # ---- The public API -------------------------------------------------------------------

  def test_every_header_function_is_called_or_unbound
    declared = N::HEADER.functions.keys
    called = called_functions
    uncalled = declared - called
    wrong = []
    (uncalled - UNBOUND.keys).each do |f|
      wrong << "#{f}: declared, but no public Ruby method calls it (no :#{f} in api.rb or native.rb): " \
               "add a method to api.rb, or list it in DriftTest::UNBOUND with the reason"
    end
    (called - declared).each { |f| wrong << "#{f}: api.rb / native.rb call it, but it is not declared" }
    (UNBOUND.keys - declared).each { |f| wrong << "#{f}: in DriftTest::UNBOUND, but not declared: remove it" }
    (UNBOUND.keys & called).each { |f| wrong << "#{f}: in DriftTest::UNBOUND, but api.rb / native.rb call it" }
    assert_empty wrong, "the public Ruby API differs from the functions of #{HEADER}"
  end

  # ---- Statuses -------------------------------------------------------------------------

  # "SECRET_ERR_INVALID_ARGUMENT" for PrefectSecrets::InvalidArgumentError.
  def c_status_name(klass)
    "SECRET_ERR_#{klass.name.split('::').last.delete_suffix('Error').gsub(/(?<=[a-z0-9])(?=[A-Z])/, '_').upcase}"
  end

  def error_classes
    P.constants.map { |c| P.const_get(c) }.select { |k| k.is_a?(Class) && k < P::Error }
  end

  # An error status (negative) is an Error subclass named after it (SECRET_ERR_AUTH is
  # AuthError) with the same STATUS, and Error.class_for finds it; the statuses that are
  # not errors are exactly the ones Native.fetch tells apart (Native::SECRET_*). Nothing
  # the header lacks.
  def test_statuses_match_the_header
    statuses = N::HEADER.enum("SecretStatus")
    wrong = []
    statuses.each do |name, value|
      next unless value.negative?

      klass = P::Error.class_for(value)
      if klass == P::Error
        wrong << "#{name} = #{value}: no Error subclass with STATUS = #{value} in errors.rb (and in Error::BY_STATUS)"
      elsif c_status_name(klass) != name
        wrong << "#{name} = #{value}: Error.class_for(#{value}) is #{klass}, which stands for #{c_status_name(klass)}"
      end
    end
    error_classes.each do |klass|
      name = c_status_name(klass)
      wrong << "#{klass}: STATUS is #{klass::STATUS.inspect}, the header has #{name} = #{statuses[name].inspect}" \
        unless statuses[name] == klass::STATUS
    end
    errors = statuses.values.select(&:negative?).sort
    wrong << "Error::BY_STATUS has #{P::Error::BY_STATUS.keys.sort}, the header's error statuses are #{errors}" \
      unless P::Error::BY_STATUS.keys.sort == errors
    handled = N.constants.grep(/\ASECRET_/).to_h { |c| [c.to_s, N.const_get(c)] }
    others = statuses.reject { |_, value| value.negative? }
    wrong << "the header's statuses that are not errors are #{others}, Native handles #{handled} " \
             "(Native.fetch and its SECRET_* constants)" unless others == handled
    assert_empty wrong, "the Ruby statuses differ from enum SecretStatus in #{HEADER}"
  end

  # ---- The header reader ------------------------------------------------------------------

  # Every prototype and enumerator a crude scan of the header finds, the reader returned.
  def test_the_reader_misses_nothing
    prototypes = header_code.scan(/\b(secret_\w+)\s*\(/).flatten.uniq.map(&:to_sym)
    refute_empty prototypes, "#{HEADER}: the scan found no secret_*( at all"
    assert_equal prototypes.sort, N::HEADER.functions.keys.sort, "#{HEADER}: the functions the reader returned"
    enumerators = header_code.scan(/\b(SECRET_\w+)\s*=\s*(-?\d+)/).to_h { |n, v| [n, Integer(v, 10)] }
    assert_equal enumerators, N::HEADER.enums.values.reduce({}, :merge),
                 "#{HEADER}: the enumerators the reader returned"
    flavors = header_code.scan(/\bSECRET_SERVER_(\w+)\s*=\s*(\d+)/).to_h { |n, v| [n.downcase.to_sym, Integer(v, 10)] }
    refute_empty flavors
    assert_equal flavors, P::SERVER_FLAVORS
  end

  # The forms cbindgen writes, and the traps around them.
  def test_the_reader_reads_cbindgen_forms
    parsed = H.parse(<<~C, "a test header")
      /* int32_t secret_commented_out(void); */
      #define TWO_LINES \\
        int32_t secret_in_a_macro(void);
      int32_t secret_multi(const char *name, /* a // b */
                           double max_seconds, // c /* d
                           char **out);
      #ifdef __cplusplus
      extern "C" {
      #endif
      void secret_nothing(void);
      const char*secret_text( );
      #ifdef __cplusplus
      }  // extern "C"
      #endif
      enum E
      #if defined(__cplusplus)
        : int32_t
      #endif
       {
        E_A = 3,
        E_B,
        E_C = -1,
      };
      typedef int32_t E;
    C
    assert_equal({ secret_multi: [["const char *", "double", "char **"], "int32_t"],
                   secret_nothing: [[], "void"], secret_text: [[], "const char *"] }, parsed.functions)
    assert_equal({ "E" => { "E_A" => 3, "E_B" => 4, "E_C" => -1 } }, parsed.enums)
  end

  def test_the_reader_refuses_a_header_without_prototypes
    without = header_text.sub(/^extern "C" \{.*\z/m, "")
    refute_equal header_text, without
    ["", "// int32_t secret_get(void);\n#define X 1\n", without].each do |text|
      e = assert_raises(H::Error) { H.parse(text, "a test header") }
      assert_equal "a test header: no function prototypes found", e.message
    end
  end

  def test_the_binding_refuses_an_unknown_type
    { "int32_t secret_config_set_server_flavor(int32_t flavor);" =>
        ["int32_t secret_config_set_server_flavor(float flavor);",
         "secret_config_set_server_flavor: argument 1 is the C type \"float\""],
      "const char *secret_version(void);" =>
        ["long secret_version(void);", "secret_version: the return type is the C type \"long\""] }
      .each do |(original, (changed, message))|
        text = header_text.sub(original, changed)
        refute_equal header_text, text
        e = assert_raises(H::Error) { N.signatures(H.parse(text, "a test header")) }
        assert_includes e.message, "a test header: #{message}"
      end
  end

  def test_the_reader_refuses_what_it_cannot_read
    { "struct SecretThing { int32_t a; };" => "cannot read the declaration \"struct SecretThing { int32_t a\"",
      "int32_t secret_on(void (*callback)(int32_t));" => "cannot read the declaration",
      "int32_t secret_unnamed(int32_t);" => "secret_unnamed: cannot read the parameter \"int32_t\"",
      "int32_t secret_array(char name[16]);" => "secret_array: cannot read the parameter \"char name[16]\"",
      "extern int32_t secret_variable;" => "cannot read the declaration",
      "enum F { F_A = 0x10 };" => "enum F: cannot read \"F_A = 0x10\"" }.each do |declaration, message|
      e = assert_raises(H::Error) { H.parse("#{header_text}\n#{declaration}\n", "a test header") }
      assert_includes e.message, "a test header: #{message}"
    end
    without = H.parse(header_text.sub(/^enum SecretServerFlavor\b.*?\};/m, ""), "a test header")
    e = assert_raises(H::Error) { without.enum("SecretServerFlavor") }
    assert_equal "a test header: no `enum SecretServerFlavor { ... };`", e.message
  end

  def test_a_missing_header_is_an_error_at_require
    candidates = ["/nonexistent/include/prefect_secrets.h", "/nonexistent/gem/prefect_secrets.h"]
    e = assert_raises(H::Error) { H.path(candidates) }
    assert_kind_of LoadError, e
    assert_includes e.message, "looked for #{candidates.join(' and ')}"
  end
end
