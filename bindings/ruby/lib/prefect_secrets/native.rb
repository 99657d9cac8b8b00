# frozen_string_literal: true

require "fiddle"
require "rbconfig"
require_relative "errors"
require_relative "header"
require_relative "version"

module PrefectSecrets
  # The C ABI through Fiddle: finding and loading the shared library, binding the functions
  # the C header declares (with the header's types), passing strings in and reading values
  # out (the library allocates them).
  # Nothing here is public API; PrefectSecrets' module functions wrap it.
  module Native
    P = Fiddle::TYPE_VOIDP
    I32 = Fiddle::TYPE_INT32_T
    SIZE = Fiddle::TYPE_SIZE_T
    U64 = -Fiddle::TYPE_INT64_T
    BOOL = -Fiddle::TYPE_CHAR # C bool: one byte, 0 or 1 (Fiddle 1.1 has no TYPE_BOOL)
    DOUBLE = Fiddle::TYPE_DOUBLE
    VOID = Fiddle::TYPE_VOID

    # The Fiddle type of each C type the header uses; any pointer (a type ending in *) is P.
    C_TYPES = { "void" => VOID, "int32_t" => I32, "size_t" => SIZE, "double" => DOUBLE,
                "uint64_t" => U64, "bool" => BOOL }.freeze

    # The C header (Header::Parsed), read when this file is required: every function and
    # constant below comes from it, so nothing of the C ABI is written twice.
    HEADER = Header.load

    class << self
      # The GVL policy, for every function: only the getters (secret_get*) and
      # secret_render_template release the GVL (need_gvl: false), as they may wait on a
      # server for seconds; everything else is quick and keeps it. Releasing the GVL does not move the call to another native
      # thread, so secret_last_error() read right after a failed call on the same Ruby
      # thread is that call's message either way.
      def need_gvl?(name)
        !(name.start_with?("secret_get") || name.to_s == "secret_render_template")
      end

      # name => [argument types, return type, need_gvl] for every function a parsed header
      # declares; Header::Error for a C type C_TYPES does not know.
      def signatures(header)
        header.functions.to_h do |name, (args, ret)|
          types = args.each_with_index.map { |t, i| fiddle_type(header, name, t, "argument #{i + 1}") }
          [name, [types, fiddle_type(header, name, ret, "the return type"), need_gvl?(name)]]
        end
      end

      private

      def fiddle_type(header, function, ctype, what)
        return P if ctype.end_with?("*")

        C_TYPES.fetch(ctype) do
          raise Header::Error, "#{header.source}: #{function}: #{what} is the C type #{ctype.inspect}, " \
                               "which PrefectSecrets::Native::C_TYPES does not map to a Fiddle type"
        end
      end
    end

    # name => [argument types, return type, need_gvl]: every function of the header. A
    # library lacking one of them does not load (not a compatible prefect-secrets library).
    FUNCTIONS = signatures(HEADER).freeze

    # The ABI major version: the installed library's SONAME is libprefect_secrets.so.<this>.
    ABI_MAJOR = BINDING_VERSION.split(".").first

    # The statuses that are not errors, which fetch tells apart (the header's SecretStatus).
    SECRET_OK = HEADER.value("SecretStatus", "SECRET_OK")
    SECRET_NOT_FOUND = HEADER.value("SecretStatus", "SECRET_NOT_FOUND")

    # Each Error subclass's STATUS, from the enumerator it is named after (AuthError is
    # SECRET_ERR_AUTH; a class the header lacks fails the require), and Error::BY_STATUS.
    ERROR_CLASSES = PrefectSecrets.constants.map { |c| PrefectSecrets.const_get(c) }
                                  .select { |k| k.is_a?(Class) && k < Error }.freeze
    ERROR_CLASSES.each do |klass|
      words = klass.name.split("::").last.delete_suffix("Error").gsub(/(?<!\A)([A-Z])/, '_\1')
      klass.const_set(:STATUS, HEADER.value("SecretStatus", "SECRET_ERR_#{words.upcase}"))
    end
    Error.const_set(:BY_STATUS, ERROR_CLASSES.to_h { |k| [k::STATUS, k] }.freeze)

    # A loaded library: the Fiddle handle and one Fiddle::Function per C function.
    class Library
      attr_reader :path

      # Raises Fiddle::DLError when the library lacks one of the functions (signatures:
      # FUNCTIONS, or another header's, for a test).
      def initialize(handle, path, signatures = FUNCTIONS)
        @handle = handle
        @path = path
        @functions = signatures.to_h do |name, (args, ret, need_gvl)|
          [name, Fiddle::Function.new(handle[name.to_s], args, ret, name: name.to_s, need_gvl: need_gvl)]
        end
      end

      def function(name)
        @functions.fetch(name)
      end

      def call(name, *args)
        @functions.fetch(name).call(*args)
      end
    end

    @library = nil
    @load_lock = Mutex.new

    class << self
      # The loaded library, loading it on first use.
      def library
        @library || @load_lock.synchronize { @library ||= load_library(candidates) }
      end

      # The file name of the library on this platform, as built (target/release) and as
      # carried by a platform gem (lib/prefect_secrets/native/).
      def library_file_name
        case RbConfig::CONFIG["host_os"]
        when /mswin|mingw|cygwin/ then "prefect_secrets.dll"
        when /darwin/ then "libprefect_secrets.dylib"
        else "libprefect_secrets.so"
        end
      end

      # The name an installed library is known by at run time: its SONAME on ELF systems
      # (libprefect_secrets.so.<ABI major>, what `make install` and the release archives
      # provide), the install name on macOS, the DLL on Windows.
      def installed_file_name
        case RbConfig::CONFIG["host_os"]
        when /mswin|mingw|cygwin/ then "prefect_secrets.dll"
        when /darwin/ then "libprefect_secrets.#{ABI_MAJOR}.dylib"
        else "libprefect_secrets.so.#{ABI_MAJOR}"
        end
      end

      # Where a platform gem carries its own copy of the library.
      def bundled_path
        File.join(__dir__, "native", library_file_name)
      end

      # A development checkout's build (cargo build --release at the repository root),
      # when this file is inside one.
      def checkout_path
        File.expand_path(File.join("..", "..", "..", "..", "target", "release", library_file_name), __dir__)
      end

      # Where the library is looked for, in order, as [what to dlopen, how it was found].
      # A target may be a Proc (looked up only when reached) returning the path, or nil and
      # why there is none.
      #
      # PREFECT_SECRETS_LIB, when set, is the only candidate: an explicit choice that does
      # not load is an error, not a reason to pick another library. Otherwise: the copy
      # inside a platform gem; a checkout's target/release (only when this gem is inside a
      # checkout); the installed library by its SONAME through the system loader
      # (LD_LIBRARY_PATH, ldconfig's directories); the same name in pkg-config's libdir
      # for prefect_secrets (an install outside the loader's directories, such as
      # $HOME/.local); and last the unversioned development name.
      def candidates(env = ENV)
        explicit = env["PREFECT_SECRETS_LIB"]
        return [[explicit, "PREFECT_SECRETS_LIB"]] if explicit && !explicit.empty?

        list = []
        list << [bundled_path, "this gem's own copy"] if File.exist?(bundled_path)
        list << [checkout_path, "the repository's target/release"] if File.exist?(checkout_path)
        list << [installed_file_name, "the system loader, by SONAME"]
        list << [-> { pkg_config_path(env) }, "pkg-config's libdir"] unless windows?
        list << [library_file_name, "the system loader, development name"] unless windows?
        list
      end

      def windows?
        RbConfig::CONFIG["host_os"].match?(/mswin|mingw|cygwin/)
      end

      # The installed library in pkg-config's libdir for prefect_secrets, or [nil, why not].
      def pkg_config_path(env = ENV)
        pkg_config = env["PKG_CONFIG"].to_s.empty? ? "pkg-config" : env["PKG_CONFIG"]
        vars = %w[PKG_CONFIG_PATH PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR].to_h { |k| [k, env[k]] }
        out = IO.popen(vars, [pkg_config, "--variable=libdir", "prefect_secrets"], err: File::NULL, &:read)
        return [nil, "`#{pkg_config} --variable=libdir prefect_secrets` failed (no prefect_secrets.pc " \
                     "on PKG_CONFIG_PATH=#{env['PKG_CONFIG_PATH'].inspect})"] unless $?.success?

        libdir = out.strip
        return [nil, "pkg-config gave an empty libdir"] if libdir.empty?

        File.join(libdir, installed_file_name)
      rescue SystemCallError => e
        [nil, "cannot run #{pkg_config}: #{e.message}"]
      end

      # Loads the first candidate that opens and has every function, or raises
      # LibraryLoadError listing what was tried, why each failed, and how to fix it.
      def load_library(list)
        tried = []
        list.each do |target, origin|
          target, why = target.call if target.respond_to?(:call)
          if target.nil?
            tried << "#{origin}: #{why}"
            next
          end
          if target.include?(File::SEPARATOR) && !File.exist?(target)
            tried << "#{target} (#{origin}): no such file"
            next
          end
          begin
            handle = Fiddle::Handle.new(target)
          rescue Fiddle::DLError => e
            tried << "#{target} (#{origin}): #{e.message}"
            next
          end
          begin
            library = Library.new(handle, loaded_path(handle, target))
          rescue Fiddle::DLError => e
            handle.close
            tried << "#{target} (#{origin}): not a compatible prefect-secrets library (#{e.message})"
            next
          end
          handle.disable_close # a Rust library with live threads must never be unloaded
          return library
        end
        raise LibraryLoadError, load_error_message(tried)
      end

      def load_error_message(tried)
        "could not load the prefect-secrets native library; tried:\n  #{tried.join("\n  ")}\n" \
          "Fix it with one of:\n" \
          "  - install the platform gem, which carries the library " \
          "(gem install prefect_secrets --platform #{Gem::Platform.local}; " \
          "x86_64-linux, aarch64-linux and x64-mingw-ucrt exist);\n" \
          "  - install the library (a release archive's lib/, or `make install PREFIX=...`) where the " \
          "loader finds #{installed_file_name} (then ldconfig), or put its lib/pkgconfig on PKG_CONFIG_PATH;\n" \
          "  - set PREFECT_SECRETS_LIB to the library's full path."
      end

      # The file the library was actually loaded from: the path given, or for a name found
      # by the system loader, the file the loader chose (dladdr), absolute.
      def loaded_path(handle, target)
        return File.expand_path(target) if target.include?(File::SEPARATOR)

        dladdr_path(handle["secret_version"]) || target
      end

      # dladdr(3) of a symbol's address: the file name of the object holding it, or nil.
      def dladdr_path(address)
        fn = begin
          Fiddle::Function.new(Fiddle::Handle::DEFAULT["dladdr"], [P, P], Fiddle::TYPE_INT)
        rescue Fiddle::DLError
          return nil
        end
        # Dl_info: dli_fname, dli_fbase, dli_sname, dli_saddr (four pointers).
        Fiddle::Pointer.malloc(4 * Fiddle::SIZEOF_VOIDP, Fiddle::RUBY_FREE) do |info|
          info[0, 4 * Fiddle::SIZEOF_VOIDP] = "\0" * (4 * Fiddle::SIZEOF_VOIDP)
          return nil if fn.call(address, info).zero?

          name = info.ptr
          return nil if name.null?

          path = name.to_s
          path.include?(File::SEPARATOR) ? File.expand_path(path) : nil
        end
      end

      # Calls a function that returns a status and raises the matching Error when it is
      # negative. The message is read at once, on the same thread: secret_last_error() is
      # per native thread.
      def call_status(name, *args)
        lib = library
        rc = lib.call(name, *args)
        raise_for(lib, rc) if rc.negative?
        rc
      end

      # Gets a value with a getter that allocates it (getter: :secret_get_alloc or
      # :secret_get_json_alloc, which write what secret_get / secret_get_json would, sized
      # and allocated by the library in one call; or :secret_explain_alloc, the report on
      # a name), copies it into a Ruby String, then wipes and frees it with secret_free.
      # Returns the value's bytes (a binary String), or nil for SECRET_NOT_FOUND.
      def fetch(getter, cname)
        with_cstring(cname) { |cname_ptr| fetch_allocated(getter, cname_ptr) }
      end

      # What fetch does, for any function whose last two parameters are
      # `char **out, size_t *out_len` (the library allocates *out), called with args
      # before them: e.g. fetch_allocated(:secret_config_view_alloc, 1). The bytes (a
      # binary String), nil for SECRET_NOT_FOUND, the matching Error for an error status.
      def fetch_allocated(function, *args)
        lib = library
        fn = lib.function(function)
        # char *out; size_t out_len; side by side, in memory of our own (a getter runs
        # without the GVL), NULL and 0 until the library sets them.
        size = Fiddle::SIZEOF_VOIDP + Fiddle::SIZEOF_SIZE_T
        Fiddle::Pointer.malloc(size, Fiddle::RUBY_FREE) do |out|
          out[0, size] = "\0" * size
          len_ptr = out + Fiddle::SIZEOF_VOIDP
          rc = fn.call(*args, out, len_ptr)
          value = out.ptr
          begin
            case rc
            when SECRET_OK then value[0, len_ptr[0, Fiddle::SIZEOF_SIZE_T].unpack1("J")]
            when SECRET_NOT_FOUND then nil
            else raise_for(lib, rc)
            end
          ensure
            lib.call(:secret_free, value) unless value.null?
          end
        end
      end

      # A batch get (secret_get_many) of names, the bytes of each (checked: no NUL), with
      # json as secret_get_many takes it. Returns one [status, value, message] per name, in
      # order: value is the bytes of a SECRET_OK entry (a binary String), message the
      # entry's error (UTF-8) for a negative status; nil otherwise. The batch is wiped and
      # freed before this returns, whatever happens. Raises the matching Error only when
      # the library refuses the call as a whole (it then makes no batch).
      def fetch_many(names, json:)
        lib = library
        with_cstring_array(names) do |array|
          Fiddle::Pointer.malloc(Fiddle::SIZEOF_VOIDP, Fiddle::RUBY_FREE) do |out|
            out[0, Fiddle::SIZEOF_VOIDP] = "\0" * Fiddle::SIZEOF_VOIDP
            rc = lib.function(:secret_get_many).call(array, names.size, json ? 1 : 0, out)
            batch = out.ptr
            raise_for(lib, rc) if batch.null? && rc.negative?
            begin
              Array.new(lib.call(:secret_batch_len, batch)) { |i| batch_entry(lib, batch, i) }
            ensure
              lib.call(:secret_batch_free, batch) unless batch.null?
            end
          end
        end
      end

      # Yields a pointer to a C array of pointers to NUL-terminated copies of each of
      # strings (bytes without NUL), all in one block of memory of our own (NULL for none).
      def with_cstring_array(strings)
        return yield(Fiddle::NULL) if strings.empty?

        table = strings.size * Fiddle::SIZEOF_VOIDP
        size = table + strings.sum { |s| s.bytesize + 1 }
        Fiddle::Pointer.malloc(size, Fiddle::RUBY_FREE) do |block|
          at = table
          strings.each_with_index do |s, i|
            block[at, s.bytesize + 1] = "#{s}\0"
            block[i * Fiddle::SIZEOF_VOIDP, Fiddle::SIZEOF_VOIDP] = [(block + at).to_i].pack("J")
            at += s.bytesize + 1
          end
          yield block
        end
      end

      # Yields a pointer to a NUL-terminated copy of bytes (NULL for nil), in memory of
      # our own: a Ruby String's buffer may move or lack its terminator, and a getter
      # reads it without the GVL.
      def with_cstring(bytes, &block)
        return yield(Fiddle::NULL) if bytes.nil?

        with_bytes(bytes, terminate: true, &block)
      end

      # Like with_cstring, for a secret (a token, an API key, an auth string): the copy
      # is overwritten with zeros before it is freed.
      def with_secret_cstring(bytes, &block)
        return yield(Fiddle::NULL) if bytes.nil?

        with_bytes(bytes, terminate: true, wipe: true, &block)
      end

      # Yields a pointer to a copy of bytes (never NULL; at least one byte is allocated),
      # followed by a NUL when terminate, and overwritten with zeros afterwards when wipe
      # (for secrets).
      def with_bytes(bytes, terminate: false, wipe: false)
        size = bytes.bytesize + (terminate ? 1 : 0)
        Fiddle::Pointer.malloc([size, 1].max, Fiddle::RUBY_FREE) do |ptr|
          ptr[0, bytes.bytesize] = bytes unless bytes.empty?
          ptr[bytes.bytesize, 1] = "\0" if terminate
          begin
            yield ptr
          ensure
            ptr[0, size] = "\0" * size if wipe && size.positive?
          end
        end
      end

      # secret_last_error() of this thread, as UTF-8 text.
      def last_error(lib = library)
        text(lib.call(:secret_last_error))
      end

      # secret_status_str(status).
      def status_str(status)
        text(library.call(:secret_status_str, status))
      end

      # secret_version().
      def version
        text(library.call(:secret_version))
      end

      private

      # [status, value, message] of entry i of a batch (see fetch_many).
      def batch_entry(lib, batch, index)
        status = lib.call(:secret_batch_status, batch, index)
        case status
        when SECRET_OK
          Fiddle::Pointer.malloc(Fiddle::SIZEOF_SIZE_T, Fiddle::RUBY_FREE) do |len|
            value = lib.call(:secret_batch_value, batch, index, len)
            [status, value[0, len[0, Fiddle::SIZEOF_SIZE_T].unpack1("J")], nil]
          end
        when SECRET_NOT_FOUND then [status, nil, nil]
        else [status, nil, text(lib.call(:secret_batch_error, batch, index))]
        end
      end

      def raise_for(lib, rc)
        message = last_error(lib)
        message = text(lib.call(:secret_status_str, rc)) if message.empty?
        raise Error.for_status(rc, message)
      end

      def text(ptr)
        return +"" if ptr.null?

        ptr.to_s.force_encoding(Encoding::UTF_8).scrub
      end
    end
  end
end
