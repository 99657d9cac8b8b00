# frozen_string_literal: true

require_relative "lib/prefect_secrets/version"

# One gemspec for every form of the gem:
#   - the plain gem (platform "ruby"): Ruby code and the C header only; it loads an
#     installed library (see README.md, "Finding the library");
#   - a platform gem (x86_64-linux, aarch64-linux, x64-mingw-ucrt): the same code plus the
#     native library in lib/prefect_secrets/native/, built by scripts/dist-bindings with
#     PREFECT_SECRETS_GEM_PLATFORM set to the platform.
platform = ENV.fetch("PREFECT_SECRETS_GEM_PLATFORM", "")

Gem::Specification.new do |spec|
  spec.name = "prefect_secrets"
  spec.version = PrefectSecrets::BINDING_VERSION
  spec.summary = "Prefect 0.5.3 Secret(name).get() for Ruby, through the prefect-secrets native library"
  spec.description = <<~TEXT
    Resolves secrets exactly as Prefect 0.5.3's Python Secret(name).get() does (context,
    PREFECT__* environment variables, ~/.prefect/config.toml, Prefect's GraphQL server, or
    a Prefect 2/3 server's Secret blocks), by calling the prefect-secrets shared library's
    C ABI through Fiddle. The platform gems (x86_64-linux, aarch64-linux, x64-mingw-ucrt)
    carry the library; the plain gem loads an installed one (libprefect_secrets.so.0).
  TEXT
  spec.homepage = "https://github.com/prefect-secrets/prefect-secrets"
  spec.license = "Apache-2.0"
  spec.authors = ["prefect-secrets contributors"]
  spec.required_ruby_version = ">= 3.1"
  # Paths relative to this file, whatever the current directory (gem build, Bundler).
  files = Dir.glob("lib/**/*.rb", base: __dir__) + ["README.md", "Rakefile", "prefect_secrets.gemspec"]
  # The C header the binding reads its functions from (lib/prefect_secrets/header.rb). The
  # repository's is include/prefect_secrets.h, outside this directory, where a gem cannot
  # reach: scripts/dist-bindings and `rake build` copy it here first. Bundler's git: and
  # path: sources have no copy and need none: they load from the checkout, include/ and all.
  header = "lib/prefect_secrets/prefect_secrets.h"
  files << header if File.file?(File.join(__dir__, header))
  # The licences, copied here like the header (scripts/dist-bindings, `rake build`): the
  # library's LICENSE and THIRD-PARTY-NOTICES, the crates inside the native library.
  files += %w[LICENSE THIRD-PARTY-NOTICES].select { |f| File.file?(File.join(__dir__, f)) }
  unless platform.empty?
    spec.platform = platform
    native = Dir.glob("lib/prefect_secrets/native/*", base: __dir__)
    raise "PREFECT_SECRETS_GEM_PLATFORM=#{platform} but no library in lib/prefect_secrets/native/" if native.empty?

    files += native
  end
  spec.files = files.sort
  spec.require_paths = ["lib"]
  # fiddle is a default gem up to Ruby 3.4 and a bundled gem from Ruby 3.5: declared, so
  # that Bundler lets it load. json stays a default gem.
  spec.add_dependency "fiddle", "~> 1.0"
  spec.add_development_dependency "minitest", "~> 5.15"
  spec.add_development_dependency "rake", "~> 13.0"
  spec.metadata["rubygems_mfa_required"] = "true"
end
