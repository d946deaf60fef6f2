using System.Text.RegularExpressions;

namespace DevServe.Hosting;

/// <summary>Builds a servlet's class library project with <c>dotnet build</c> and reads its errors as script errors.</summary>
internal sealed partial class ProjectBuild(string project)
{
    private static readonly string[] s_sourceExtensions = [".cs", ".csproj", ".props", ".targets", ".resx"];
    private readonly string _directory = Path.GetDirectoryName(project)!;
    private string? _targetPath;
    private volatile bool _restored;

    /// <summary>The library built, or why not.</summary>
    public sealed record Result(string? Assembly, IReadOnlyList<ScriptError> Errors);

    [GeneratedRegex(@"^\s*(?<file>[^\s].*?)\((?<line>\d+),(?<column>\d+)(?:,\d+,\d+)?\): error (?<id>[A-Za-z0-9]+): (?<message>.*?)(?: \[[^\]]*\])?$",
        RegexOptions.Multiline)]
    private static partial Regex LocatedError();

    [GeneratedRegex(@"^\s*(?<file>[^\s(][^(]*?) ?: error (?<id>[A-Za-z0-9]+): (?<message>.*?)(?: \[[^\]]*\])?$", RegexOptions.Multiline)]
    private static partial Regex PlainError();

    /// <summary>Whether a change to <paramref name="path"/> calls for a rebuild: a source, not the build's own output.</summary>
    public bool IsSource(string path)
    {
        var source = IsSourceFile(_directory, path);
        if (source && Path.GetExtension(path) is not (".cs" or ".resx"))
        {
            _restored = false;   // the project itself changed: its packages may have too
        }
        return source;
    }

    /// <summary>Whether <paramref name="path"/> is a folder of the project in <paramref name="directory"/> that may hold sources (not bin or obj).</summary>
    public static bool IsSourceFolder(string directory, string path) => IsInProject(directory, path) && Directory.Exists(path);

    /// <summary>Whether <paramref name="path"/> is a source of the project in <paramref name="directory"/> (under it, not in bin or obj).</summary>
    public static bool IsSourceFile(string directory, string path)
        => IsInProject(directory, path) && s_sourceExtensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    // Under the project's folder, and not in the build's own output (bin, obj).
    private static bool IsInProject(string directory, string path)
    {
        var relative = Path.GetRelativePath(directory, path);
        return !relative.StartsWith("..", StringComparison.Ordinal) && relative.Split(Path.DirectorySeparatorChar)[0] is not ("bin" or "obj");
    }

    /// <summary>Builds the project (Debug); the library's path, or the build's errors with their places.</summary>
    public async Task<Result> BuildAsync(CancellationToken cancellationToken)
    {
        if (_targetPath is null)
        {
            var (exit, output) = await DotnetProcess.RunAsync(_directory, ["msbuild", project, "-getProperty:TargetPath", "-p:Configuration=Debug", "-nologo"],
                cancellationToken).ConfigureAwait(false);
            if (exit != 0 || output.Trim() is not { Length: > 0 } target)
            {
                return new Result(null, Errors(output, exit));
            }
            _targetPath = target;
        }
        // A restore costs ~0.4 s of every build; after a good one it is needed again only when the project changes.
        string[] arguments = ["build", project, "-c", "Debug", "-nologo", "-v", "quiet", "-clp:NoSummary", "-p:GenerateFullPaths=true"];
        var restored = _restored;
        var build = await DotnetProcess.RunAsync(_directory, restored ? [.. arguments, "--no-restore"] : arguments, cancellationToken).ConfigureAwait(false);
        if (build.Exit == 0)
        {
            _restored = true;
        }
        return build.Exit == 0 ? new Result(_targetPath, []) : new Result(null, Errors(build.Output, build.Exit));
    }

    private ScriptError[] Errors(string output, int exit)
    {
        var errors = LocatedError().Matches(output)
            .Select(m => new ScriptError(m.Groups["file"].Value, int.Parse(m.Groups["line"].Value), int.Parse(m.Groups["column"].Value),
                m.Groups["id"].Value, m.Groups["message"].Value))
            .Concat(PlainError().Matches(output).Where(m => !m.Groups["file"].Value.Contains('('))
                .Select(m => new ScriptError(m.Groups["file"].Value, 0, 0, m.Groups["id"].Value, m.Groups["message"].Value)))
            .Distinct()
            .ToArray();
        return errors.Length > 0 ? errors : [new ScriptError(project, 0, 0, "BUILD", $"dotnet build exited with {exit}: {output.Trim()}")];
    }
}
