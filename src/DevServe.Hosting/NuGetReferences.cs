using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace DevServe.Hosting;

/// <summary>
/// <c>#r "nuget: Name, 1.2.3"</c> in scripts, as dotnet-script does it (docs/design/hosting.md §1.4): the directives name
/// a package set; the set is restored once by <c>dotnet restore</c> of a generated project with the machine's NuGet
/// configuration, into a folder keyed by the set, and reused offline after that; <c>project.assets.json</c> names the
/// compile, runtime and native files.
/// </summary>
internal static partial class NuGetReferences
{
    private static readonly ConcurrentDictionary<string, Task<Restore>> s_restores = new();

    /// <summary>One directive: the package, its exact version, and where it was written.</summary>
    public sealed record Package(string Name, string Version, string Path, int Line);

    /// <summary>A restored package set: what the compiler references and what the load context loads.</summary>
    /// <param name="Packages">The set, as <c>name/version</c> in lower case.</param>
    /// <param name="Compile">Reference assemblies for the compiler.</param>
    /// <param name="Runtime">Assembly simple name → implementation file.</param>
    /// <param name="Native">Native library file name (without extension or <c>lib</c> prefix) → file.</param>
    /// <param name="Errors">Why the restore failed; empty when it worked.</param>
    public sealed record Restore(IReadOnlySet<string> Packages, IReadOnlyList<string> Compile, IReadOnlyDictionary<string, string> Runtime,
        IReadOnlyDictionary<string, string> Native, IReadOnlyList<ScriptError> Errors)
    {
        /// <summary>A restore that did not happen, and why.</summary>
        public static Restore Failed(IReadOnlyList<ScriptError> errors)
            => new(new HashSet<string>(), [], new Dictionary<string, string>(), new Dictionary<string, string>(), errors);
    }

    [GeneratedRegex(@"^[ \t]*#r[ \t]+""nuget:[ \t]*(?<name>[^,""]*?)[ \t]*(?:,[ \t]*(?<version>[^""]*?)[ \t]*)?""", RegexOptions.Multiline)]
    private static partial Regex Directive();

    /// <summary>The <c>#r "nuget: …"</c> directives of <paramref name="text"/>.</summary>
    public static IReadOnlyList<Package> Find(string text, string path)
        => [.. Directive().Matches(text).Select(m => new Package(m.Groups["name"].Value, m.Groups["version"].Value, path,
            text.AsSpan(0, m.Index).Count('\n') + 1))];

    /// <summary>Whether <paramref name="reference"/> (the text of a <c>#r</c>) names a package.</summary>
    public static bool IsPackage(string reference) => reference.StartsWith("nuget:", StringComparison.OrdinalIgnoreCase);

    /// <summary>Restores the set (once per process, and once per machine: the result is kept on disk).</summary>
    public static async Task<Restore> RestoreAsync(IReadOnlyList<Package> packages, string directory, CancellationToken cancellationToken)
    {
        // An exact version, or * alone: the newest the feed serves on the first restore (#:package Name@*), kept after that.
        var errors = packages.Where(p => p.Name.Length == 0 || p.Version.Length == 0 || (p.Version != "*" && p.Version.IndexOfAny(['*', '[', '(', ' ']) >= 0))
            .Select(p => new ScriptError(p.Path, p.Line, 1, "DEVSERVE002",
                $"The package {p.Name} {p.Version}: give a package and an exact version (or * for the newest), as in #:package Microsoft.Data.Sqlite@10.0.15 or #r \"nuget: Microsoft.Data.Sqlite, 10.0.15\"."))
            .ToArray();
        if (errors.Length > 0)
        {
            return Restore.Failed(errors);
        }
        var set = packages.Select(p => (p.Name.ToLowerInvariant(), p.Version)).Distinct().Order().ToArray();
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            RuntimeInformation.FrameworkDescription + "|" + string.Join("|", set.Select(s => s.Item1 + "/" + s.Version)))))[..24];
        var pending = s_restores.GetOrAdd(key, k => RestoreSetAsync(Path.Combine(directory, k), packages, CancellationToken.None));
        try
        {
            var restore = await pending.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (restore.Errors.Count > 0)
            {
                s_restores.TryRemove(new(key, pending));   // a failure is retried on the next compile (the user may fix the feed)
            }
            return restore;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception or JsonException)
        {
            s_restores.TryRemove(new(key, pending));
            return Restore.Failed([new ScriptError(packages[0].Path, packages[0].Line, 1, "NUGET", $"The packages could not be restored: {e.Message}")]);
        }
    }

    private static async Task<Restore> RestoreSetAsync(string directory, IReadOnlyList<Package> packages, CancellationToken cancellationToken)
    {
        var assets = Path.Combine(directory, "obj", "project.assets.json");
        var done = Path.Combine(directory, "restored");
        if (!File.Exists(done) || !File.Exists(assets))
        {
            Directory.CreateDirectory(directory);
            var project = new StringBuilder()
                .AppendLine("<Project Sdk=\"Microsoft.NET.Sdk\">")
                .AppendLine($"  <PropertyGroup><TargetFramework>net{Environment.Version.Major}.{Environment.Version.Minor}</TargetFramework></PropertyGroup>")
                .AppendLine("  <ItemGroup>");
            foreach (var p in packages.DistinctBy(p => (p.Name.ToLowerInvariant(), p.Version)))
            {
                project.AppendLine($"    <PackageReference Include=\"{Escape(p.Name)}\" Version=\"{Escape(p.Version)}\" />");
            }
            await File.WriteAllTextAsync(Path.Combine(directory, "references.csproj"), project.AppendLine("  </ItemGroup>\n</Project>").ToString(),
                cancellationToken).ConfigureAwait(false);
            var (exit, output) = await DotnetProcess.RunAsync(directory, ["restore", "references.csproj", "-nologo", "-v", "quiet"], cancellationToken).ConfigureAwait(false);
            if (exit != 0)
            {
                return Restore.Failed(ErrorsOf(output, packages));
            }
            await File.WriteAllTextAsync(done, "", cancellationToken).ConfigureAwait(false);
        }
        return Read(assets, [.. packages.Select(p => p.Name.ToLowerInvariant() + "/" + p.Version)]);
    }

    private static string Escape(string s) => System.Security.SecurityElement.Escape(s);

    // NuGet's messages name the package (NU1101 unknown id, NU1102 unknown version): put each on its directive's line.
    private static ScriptError[] ErrorsOf(string output, IReadOnlyList<Package> packages)
    {
        var messages = output.Split('\n').Select(l => l.Trim()).Where(l => l.Contains(": error ", StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf(": error ", StringComparison.Ordinal) + 8)..]).Select(l => Regex.Replace(l, @"\s*\[[^\]]*\.csproj\]$", ""))
            .Distinct().ToList();
        if (messages.Count == 0)
        {
            messages.Add("dotnet restore failed: " + output.Trim());
        }
        return [.. messages.Select(message =>
        {
            var package = packages.FirstOrDefault(p => message.Contains(p.Name, StringComparison.OrdinalIgnoreCase)) ?? packages[0];
            var id = message.Split(':', 2) is [var code, _] && code.StartsWith("NU", StringComparison.Ordinal) ? code : "NUGET";
            var text = id == "NUGET" ? message : message[(id.Length + 1)..].Trim();
            return new ScriptError(package.Path, package.Line, 1, id, $"The package {package.Name} {package.Version} could not be restored: {text}");
        })];
    }

    private static Restore Read(string assetsPath, HashSet<string> packages)
    {
        using var assets = JsonDocument.Parse(File.ReadAllBytes(assetsPath));
        var root = assets.RootElement;
        var folder = root.GetProperty("packageFolders").EnumerateObject().First().Name;
        var libraries = root.GetProperty("libraries");
        var target = root.GetProperty("targets").EnumerateObject().First().Value;
        var rids = RidChain();
        var compile = new List<string>();
        var runtime = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var native = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var library in target.EnumerateObject())
        {
            if (!library.Value.TryGetProperty("type", out var type) || type.GetString() != "package")
            {
                continue;
            }
            var directory = Path.Combine(folder, libraries.GetProperty(library.Name).GetProperty("path").GetString()!);
            compile.AddRange(Files(library.Value, "compile").Select(f => Path.Combine(directory, f)));
            var managed = Files(library.Value, "runtime").ToList();
            var best = library.Value.TryGetProperty("runtimeTargets", out var targets)
                ? targets.EnumerateObject()
                    .Select(t => (File: t.Name, Rid: t.Value.GetProperty("rid").GetString()!, Type: t.Value.GetProperty("assetType").GetString()))
                    .Where(t => rids.Contains(t.Rid)).OrderBy(t => Array.IndexOf(rids, t.Rid)).ToList()
                : [];
            if (best.Where(t => t.Type == "runtime").ToList() is { Count: > 0 } ridManaged)
            {
                managed = [.. ridManaged.Where(t => t.Rid == ridManaged[0].Rid).Select(t => t.File)];
            }
            foreach (var file in managed)
            {
                runtime.TryAdd(Path.GetFileNameWithoutExtension(file), Path.Combine(directory, file));
            }
            foreach (var file in best.Where(t => t.Type == "native").Select(t => t.File))
            {
                native.TryAdd(NativeName(file), Path.Combine(directory, file));
            }
        }
        return new Restore(packages, compile, runtime, native, []);
    }

    // "_._" marks a folder that is deliberately empty for this framework.
    private static IEnumerable<string> Files(JsonElement library, string kind)
        => library.TryGetProperty(kind, out var files)
            ? files.EnumerateObject().Select(f => f.Name).Where(f => !f.EndsWith("/_._", StringComparison.Ordinal) && f.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            : [];

    // libe_sqlite3.so → e_sqlite3, the name code passes to DllImport.
    private static string NativeName(string file)
    {
        var name = Path.GetFileName(file);
        name = name.StartsWith("lib", StringComparison.Ordinal) ? name[3..] : name;
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 ? name[..dot] : name;
    }

    private static string[] RidChain()
    {
        var rid = RuntimeInformation.RuntimeIdentifier;   // e.g. linux-x64
        var arch = rid[(rid.LastIndexOf('-') + 1)..];
        return OperatingSystem.IsLinux() ? [rid, "linux-" + arch, "linux", "unix-" + arch, "unix", "any"]
            : OperatingSystem.IsMacOS() ? [rid, "osx-" + arch, "osx", "unix-" + arch, "unix", "any"]
            : [rid, "win-" + arch, "win", "any"];
    }
}
