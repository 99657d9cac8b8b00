# frozen_string_literal: true

module PrefectSecrets
  # Reads the C header, prefect_secrets.h: the one place the C ABI is written down. Native
  # binds every function the header declares, with the header's types, and api.rb takes
  # the server flavours from its SecretServerFlavor enum, so a function or a flavour added
  # to the library needs no second copy in Ruby.
  #
  # The header is cbindgen's output, which is regular; this reads that form and no more:
  # - Comments (/* ... */, // ...) and preprocessor lines (#..., with \ continuations) are
  #   dropped. Both branches of every #if therefore remain: `enum Name : int32_t {` (the
  #   C23/C++ branch) reads as `enum Name {`, and the typedefs of both branches are skipped.
  # - `extern "C" {` and its closing `}` (C++ only) are dropped.
  # - `enum Name [: type] { A = 0, B, C = -1, };` gives Name's enumerators (one without
  #   a value is the previous one plus one, as in C).
  # - Every other declaration ends with `;` and is either a typedef (skipped) or a
  #   function prototype, `<return type> name(<type> <name>, ...)`, on one line or several;
  #   every parameter is named; `(void)` or `()` takes none. Types are kept as text,
  #   normalized ("const char *", "char **", "int32_t").
  # Anything else (a struct, a variable, an array or function-pointer parameter, an
  # unnamed parameter, a string literal holding a comment marker) raises Header::Error
  # naming it; nothing is skipped unread. A header without a single prototype raises too.
  module Header
    # The header is missing or has something this reader does not understand. A LoadError:
    # `require "prefect_secrets"` fails with it, rather than binding the wrong functions.
    class Error < ::LoadError
    end

    # Where the header is: in the repository (a checkout, and Bundler's git: and path:
    # sources, which use one), include/prefect_secrets.h at its root; in a built gem, which
    # cannot carry files outside its directory, the copy packed beside this file
    # (scripts/dist-bindings and `rake build` put it there; the repository ignores it).
    # The repository's is tried first, so a stale copy left in a checkout is never read.
    REPOSITORY_PATH = File.expand_path("../../../../include/prefect_secrets.h", __dir__)
    GEM_PATH = File.join(__dir__, "prefect_secrets.h")

    # functions: { name (Symbol) => [[argument C types], return C type] }, in header order;
    # enums: { "Name" => { "ENUMERATOR" => value } }; source: the file read, for messages.
    Parsed = Struct.new(:source, :functions, :enums) do
      # The enumerators of `enum name`; Error when the header has no such enum.
      def enum(name)
        enums.fetch(name) { raise Error, "#{source}: no `enum #{name} { ... };`" }
      end

      # The value of an enumerator of `enum name`; Error when it is not there.
      def value(name, enumerator)
        enum(name).fetch(enumerator) { raise Error, "#{source}: enum #{name} has no #{enumerator}" }
      end
    end

    # A comment of either kind, whichever starts first (so a /* inside a // comment, or
    # a // inside a /* */ comment, is just comment text).
    COMMENT = %r{/\*.*?\*/|//[^\n]*}m.freeze
    # A preprocessor line and its backslash continuations.
    DIRECTIVE = /^[ \t]*#(?:[^\n]*\\\n)*[^\n]*/.freeze
    # The C++-only `extern "C" {` and a `}` alone on its line (what closes it; enums'
    # `};` are taken out before this applies).
    EXTERN_C = /\bextern\s+"C"\s*\{|^[ \t]*\}[ \t]*$/.freeze
    ENUM = /\benum\s+([A-Za-z_]\w*)\s*(?::\s*\w+\s*)?\{([^{}]*)\}\s*;/.freeze
    ENUMERATOR = /\A([A-Za-z_]\w*)(?:\s*=\s*(-?\d+))?\z/.freeze
    TYPEDEF = /\Atypedef\b/.freeze
    # Return type (words and stars, ending in a space or a star), name, parameter list.
    PROTOTYPE = /\A([\w\s*]*?[\s*])([A-Za-z_]\w*)\s*\(([^()]*)\)\z/.freeze
    # Type (words and stars, ending in a space or a star), name.
    PARAMETER = /\A([\w\s*]*?[\s*])([A-Za-z_]\w*)\z/.freeze

    module_function

    # The header this binding reads (see REPOSITORY_PATH), or Error when there is none.
    def path(candidates = [REPOSITORY_PATH, GEM_PATH])
      found = candidates.find { |p| File.file?(p) }
      return found if found

      raise Error, "prefect_secrets.h, the C header this binding reads its functions from, is missing: " \
                   "looked for #{candidates.join(' and ')}. A gem must be built with its copy " \
                   "(scripts/dist-bindings, or `rake build` in bindings/ruby of a checkout)"
    end

    # The parsed header at path. (Comments may hold any bytes: invalid UTF-8 becomes "?".)
    def load(path = self.path)
      parse(File.binread(path).force_encoding(Encoding::UTF_8).scrub("?"), path)
    rescue SystemCallError => e
      raise Error, "cannot read #{path}: #{e.message}"
    end

    # Parses the text of a header (see the module's comment for what it accepts).
    def parse(text, source = "prefect_secrets.h")
      code = text.gsub(COMMENT, " ").gsub(DIRECTIVE, "")
      enums = {}
      code = code.gsub(ENUM) do
        name, body = Regexp.last_match.captures
        enums[name] = enumerators(source, name, body)
        " "
      end
      functions = {}
      code.gsub(EXTERN_C, " ").split(";").each do |declaration|
        declaration = declaration.strip
        next if declaration.empty? || declaration.match?(TYPEDEF)

        m = PROTOTYPE.match(declaration)
        raise Error, "#{source}: cannot read the declaration #{squeeze(declaration).inspect}" unless m

        ret, name, params = m.captures
        functions[name.to_sym] = [parameters(source, name, params), c_type(ret)]
      end
      raise Error, "#{source}: no function prototypes found" if functions.empty?

      Parsed.new(source, functions, enums)
    end

    # The C types of a parameter list.
    def parameters(source, function, list)
      list = list.strip
      return [] if list.empty? || list == "void"

      list.split(",").map do |param|
        m = PARAMETER.match(param.strip)
        unless m && m[1].match?(/\w/)
          raise Error, "#{source}: #{function}: cannot read the parameter #{squeeze(param).inspect} " \
                       "(a type and a name are expected)"
        end
        c_type(m[1])
      end
    end

    # { "ENUMERATOR" => value } of an enum's body.
    def enumerators(source, name, body)
      following = 0
      list = body.split(",").map(&:strip).reject(&:empty?).to_h do |item|
        m = ENUMERATOR.match(item)
        raise Error, "#{source}: enum #{name}: cannot read #{squeeze(item).inspect}" unless m

        value = m[2] ? Integer(m[2], 10) : following
        following = value + 1
        [m[1], value]
      end
      raise Error, "#{source}: enum #{name} has no enumerators" if list.empty?

      list
    end

    # "const  char\n*" => "const char *": words one space apart, then the stars.
    def c_type(text)
      words = text.scan(/\w+/).join(" ")
      stars = text.count("*")
      stars.zero? ? words : "#{words} #{'*' * stars}"
    end

    def squeeze(text)
      text.strip.gsub(/\s+/, " ")
    end
  end
end
