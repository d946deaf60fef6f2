using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DevServe.Hosting;

/// <summary>
/// The <c>#:</c> directives of .NET 10's file-based apps (<c>#:package Name@Version</c>, <c>#:property Name=Value</c>,
/// <c>#:sdk Name</c>, <c>#:project path</c>, <c>#:include path</c>), read from a <c>.cs</c> app or a <c>.csx</c> script
/// alike, as <c>dotnet run app.cs</c> reads them: lines at the head of the file, before any code.
/// </summary>
/// <remarks>
/// No library reads them outside the SDK's MSBuild code, so this is the smallest reader that works: one line each,
/// a bad one is an error on its line. The compiler never sees them: <see cref="Blank"/> turns each into a comment on
/// the same line (Roslyn's own handling of <c>#:</c> depends on its version and parse options).
/// </remarks>
internal sealed class FileDirectives
{
    /// <summary>The properties that change how devserve compiles; others (<c>PublishAot</c>, <c>TargetFramework</c>...) are MSBuild's and ignored.</summary>
    public static readonly IReadOnlySet<string> CompilerProperties =
        new HashSet<string>(["LangVersion", "Nullable", "AllowUnsafeBlocks", "TreatWarningsAsErrors", "ImplicitUsings"], StringComparer.OrdinalIgnoreCase);

    /// <summary>The SDKs a file may name: the ones whose apps devserve can serve (it references ASP.NET Core anyway).</summary>
    public static readonly IReadOnlySet<string> Sdks = new HashSet<string>(["Microsoft.NET.Sdk", "Microsoft.NET.Sdk.Web"], StringComparer.OrdinalIgnoreCase);

    private FileDirectives(string path) => Path = path;

    /// <summary>The file the directives were read from.</summary>
    public string Path { get; }

    /// <summary>A path a directive names, resolved against the file's folder, and the directive's line.</summary>
    public sealed record Located(string Path, int Line);

    /// <summary><c>#:package</c>: a version of <c>*</c> is the newest the feed serves.</summary>
    public List<NuGetReferences.Package> Packages { get; } = [];

    /// <summary><c>#:property</c>, the last value of each name.</summary>
    public Dictionary<string, (string Value, int Line)> Properties { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary><c>#:sdk</c>; <c>null</c> = <c>Microsoft.NET.Sdk</c>.</summary>
    public string? Sdk { get; private set; }

    /// <summary><c>#:project</c>: project files (a folder names the one project in it).</summary>
    public List<Located> Projects { get; } = [];

    /// <summary><c>#:include</c>: more source files.</summary>
    public List<Located> Includes { get; } = [];

    /// <summary>Directives that are malformed, misplaced or refused, each on its line.</summary>
    public List<ScriptError> Errors { get; } = [];

    /// <summary>Whether the SDK's implicit usings apply (<c>#:property ImplicitUsings</c>, on unless disabled).</summary>
    public bool ImplicitUsings => !Properties.TryGetValue("ImplicitUsings", out var value) || value.Value.ToLowerInvariant() is "enable" or "true";

    /// <summary>Whether the file is an ASP.NET Core app (<c>#:sdk Microsoft.NET.Sdk.Web</c>): its implicit usings are the web ones.</summary>
    public bool IsWeb => string.Equals(Sdk, "Microsoft.NET.Sdk.Web", StringComparison.OrdinalIgnoreCase);

    /// <summary>Adds the directives of a file this one includes (<c>dotnet run</c> reads those too); its own includes are the caller's to follow.</summary>
    public void Merge(FileDirectives included)
    {
        Packages.AddRange(included.Packages);
        Projects.AddRange(included.Projects);
        Errors.AddRange(included.Errors);
        foreach (var (name, value) in included.Properties)
        {
            Properties.TryAdd(name, value);
        }
        Sdk ??= included.Sdk;
    }

    /// <summary>The parse options with <c>#:property LangVersion</c> applied; a version the compiler does not know is an error on its line.</summary>
    /// <remarks>Checked here, at compile time, not in <see cref="Read"/>: a cached start must not load the compiler.</remarks>
    public CSharpParseOptions Apply(CSharpParseOptions options)
    {
        if (!Properties.TryGetValue("LangVersion", out var v))
        {
            return options;
        }
        if (LanguageVersionFacts.TryParse(v.Value, out var version))
        {
            return options.WithLanguageVersion(version);
        }
        Errors.Add(new ScriptError(Path, v.Line, 1, "DEVSERVE020", $"#:property LangVersion={v.Value}: not a C# language version (latest, preview, 14...)."));
        return options;
    }

    /// <summary>The compilation options with <c>#:property Nullable</c>, <c>AllowUnsafeBlocks</c> and <c>TreatWarningsAsErrors</c> applied.</summary>
    public CSharpCompilationOptions Apply(CSharpCompilationOptions options)
    {
        if (Properties.TryGetValue("Nullable", out var nullable))
        {
            options = options.WithNullableContextOptions(nullable.Value.ToLowerInvariant() switch
            {
                "enable" => NullableContextOptions.Enable,
                "warnings" => NullableContextOptions.Warnings,
                "annotations" => NullableContextOptions.Annotations,
                _ => NullableContextOptions.Disable,
            });
        }
        if (Properties.TryGetValue("AllowUnsafeBlocks", out var unsafeBlocks))
        {
            options = options.WithAllowUnsafe(bool.Parse(unsafeBlocks.Value));
        }
        if (Properties.TryGetValue("TreatWarningsAsErrors", out var strict) && bool.Parse(strict.Value))
        {
            options = options.WithGeneralDiagnosticOption(ReportDiagnostic.Error);
        }
        return options;
    }

    /// <summary>Reads the directives of <paramref name="text"/>, the file <paramref name="path"/>.</summary>
    public static FileDirectives Read(string text, string path)
    {
        var directives = new FileDirectives(path);
        var folder = System.IO.Path.GetDirectoryName(path)!;
        var code = false;
        var comment = false;   // inside /* */
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.Trim();
            if (comment || line.StartsWith("/*", StringComparison.Ordinal))
            {
                comment = !line.Contains("*/", StringComparison.Ordinal) || line.EndsWith("/*", StringComparison.Ordinal);
                code |= !comment && !line.EndsWith("*/", StringComparison.Ordinal);   // code after the comment on its line
                continue;
            }
            if (!line.StartsWith("#:", StringComparison.Ordinal))
            {
                code |= line.Length > 0 && !line.StartsWith("//", StringComparison.Ordinal) && !line.StartsWith('#');
                continue;
            }
            if (code)
            {
                directives.Error(path, number, "#: directives go at the top of the file, before any code (as dotnet run requires).");
                continue;
            }
            directives.Add(path, folder, number, line);
        }
        return directives;
    }

    /// <summary><paramref name="text"/> with each directive line (and a first-line shebang) made a comment, lines unchanged.</summary>
    /// <param name="text">The file.</param>
    /// <param name="include">What an <c>#:include</c> line becomes instead (a script's <c>#load</c>); <c>null</c> = a comment too.</param>
    public static string Blank(string text, Func<string, string>? include = null)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var trimmed = lines[i].TrimStart();
            if (i == 0 && trimmed.StartsWith("#!", StringComparison.Ordinal))
            {
                lines[i] = "//" + lines[i];   // #!/usr/bin/env devserve stays on its line, as a comment
            }
            else if (trimmed.StartsWith("#:", StringComparison.Ordinal))
            {
                var (kind, argument) = Split(trimmed.TrimEnd());
                lines[i] = include is not null && kind == "include" && argument.Length > 0 ? include(argument) : "//" + lines[i];
            }
        }
        return string.Join('\n', lines);
    }

    private static (string Kind, string Argument) Split(string line)
    {
        var body = line[2..];
        var space = body.IndexOfAny([' ', '\t']);
        return space < 0 ? (body, "") : (body[..space], body[(space + 1)..].Trim());
    }

    private void Add(string path, string folder, int number, string line)
    {
        var (kind, argument) = Split(line);
        switch (kind)
        {
            case "package":
                var at = argument.IndexOf('@', StringComparison.Ordinal);
                if (at <= 0 || at == argument.Length - 1 || argument.AsSpan(at + 1).ContainsAny(' ', '\t'))
                {
                    Error(path, number, $"#:package {argument}: write #:package Name@Version (an exact version, or @* for the newest the feed serves).");
                    return;
                }
                if (!ProjectReferences.IsDevServePackage(argument[..at]))   // under devserve, its own DevServe is the one (one Request type)
                {
                    Packages.Add(new NuGetReferences.Package(argument[..at], argument[(at + 1)..], path, number));
                }
                return;
            case "property":
                var equals = argument.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    Error(path, number, $"#:property {argument}: write #:property Name=Value, as in #:property Nullable=disable.");
                    return;
                }
                var name = argument[..equals].Trim();
                var value = argument[(equals + 1)..].Trim();
                if (PropertyError(name, value) is { } why)
                {
                    Error(path, number, $"#:property {name}={value}: {why}");
                    return;
                }
                Properties[name] = (value, number);
                return;
            case "sdk":
                var sdk = argument.Split('@')[0].Trim();
                if (!Sdks.Contains(sdk))
                {
                    Error(path, number, $"#:sdk {argument}: devserve serves apps of Microsoft.NET.Sdk and Microsoft.NET.Sdk.Web; {(sdk.Length == 0 ? "name one" : sdk + " is neither")}.");
                    return;
                }
                Sdk = sdk;
                return;
            case "project" or "include" when argument.Length == 0:
                Error(path, number, $"#:{kind}: name a {(kind == "project" ? "project file" : "source file")}, as in #:{kind} {(kind == "project" ? "../Lib/Lib.csproj" : "Helpers.cs")}.");
                return;
            case "project":
                Projects.Add(new Located(System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, argument)), number));
                return;
            case "include" when !argument.EndsWith(".cs", StringComparison.OrdinalIgnoreCase):
                Error(path, number, $"#:include {argument}: devserve includes C# files (.cs).");
                return;
            case "include":
                Includes.Add(new Located(System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, argument)), number));
                return;
            default:
                Error(path, number, $"#:{kind} is not a directive: the directives are #:package, #:property, #:sdk, #:project and #:include.");
                return;
        }
    }

    // A property devserve applies must have a value it understands; MSBuild's own properties pass unread.
    private static string? PropertyError(string name, string value)
    {
        if (!CompilerProperties.Contains(name))
        {
            return null;
        }
        var bad = name.ToLowerInvariant() switch
        {
            "langversion" => value.Length == 0,   // checked against the compiler when compiling (Apply)
            "nullable" => value.ToLowerInvariant() is not ("enable" or "disable" or "warnings" or "annotations"),
            "implicitusings" => value.ToLowerInvariant() is not ("enable" or "disable" or "true" or "false"),
            _ => !bool.TryParse(value, out _),
        };
        return !bad ? null : name.ToLowerInvariant() switch
        {
            "langversion" => "not a C# language version (latest, preview, 14...).",
            "nullable" => "give enable, disable, warnings or annotations.",
            "implicitusings" => "give enable or disable.",
            _ => "give true or false.",
        };
    }

    private void Error(string path, int line, string message) => Errors.Add(new ScriptError(path, line, 1, "DEVSERVE020", message));
}
