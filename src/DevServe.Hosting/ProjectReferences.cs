using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;

namespace DevServe.Hosting;

/// <summary>
/// The projects a file names with <c>#:project</c>: each built with <c>dotnet build</c> the first time and again only
/// when one of its sources is newer than its last good build, so a save of the servlet itself never waits for MSBuild.
/// DevServe's own projects are not built: the host's DevServe is the one a servlet must use (one <see cref="Request"/> type).
/// </summary>
internal static class ProjectReferences
{
    private static readonly ConcurrentDictionary<string, Built> s_projects = new(StringComparer.Ordinal);
    private static readonly HashSet<string> s_own = new(StringComparer.OrdinalIgnoreCase)
    {
        typeof(Request).Assembly.GetName().Name!, typeof(ProjectReferences).Assembly.GetName().Name!,
    };

    /// <summary>What referencing the projects takes.</summary>
    /// <param name="Assemblies">The projects' own assemblies, for the compiler.</param>
    /// <param name="Runtime">Every assembly in their output folders (simple name → file), for the load context.</param>
    /// <param name="Sources">Their source files, watched: a save rebuilds.</param>
    /// <param name="Errors">The builds' errors, or a project that is not there, on its directive's line.</param>
    public sealed record Result(IReadOnlyList<string> Assemblies, IReadOnlyDictionary<string, string> Runtime, IReadOnlyList<string> Sources,
        IReadOnlyList<ScriptError> Errors)
    {
        /// <summary>The assemblies as the compiler reads them: read anew each time (a rebuild rewrites them in place).</summary>
        public IEnumerable<MetadataReference> References() => Assemblies.Select(a => MetadataReference.CreateFromFile(a));
    }

    /// <summary>Whether <paramref name="project"/> is DevServe's own library (referenced by the host already).</summary>
    public static bool IsDevServe(string project) => s_own.Contains(Path.GetFileName(project).EndsWith(".csproj", StringComparison.OrdinalIgnoreCase)
        ? Path.GetFileNameWithoutExtension(project) : Path.GetFileName(project));

    /// <summary>Whether the package <paramref name="name"/> is DevServe's own library (<c>#:package DevServe@…</c>): the host's is used.</summary>
    public static bool IsDevServePackage(string name) => s_own.Contains(name);

    /// <summary>Builds what needs it and returns the references; DevServe's own projects are skipped.</summary>
    public static async Task<Result> BuildAsync(string path, IReadOnlyList<FileDirectives.Located> projects, CancellationToken cancellationToken)
    {
        var assemblies = new List<string>();
        var runtime = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var sources = new List<string>();
        var errors = new List<ScriptError>();
        foreach (var (named, line) in projects)
        {
            if (IsDevServe(named))
            {
                continue;   // wherever it is, or even missing: devserve never builds it
            }
            var project = Directory.Exists(named) ? Directory.GetFiles(named, "*.csproj") is [var only] ? only : null : named;
            if (project is null || !File.Exists(project) || !project.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add(new ScriptError(path, line, 1, "DEVSERVE021", $"#:project {named}: no C# project (.csproj) there."));
                continue;
            }
            var built = s_projects.GetOrAdd(project, p => new Built(new ProjectBuild(p), Path.GetDirectoryName(p)!));
            var (assembly, failed, watched) = await built.EnsureAsync(cancellationToken).ConfigureAwait(false);
            sources.AddRange(watched);
            if (assembly is null)
            {
                errors.AddRange(failed.Count > 0 ? failed : [new ScriptError(path, line, 1, "BUILD", $"#:project {project} did not build.")]);
                continue;
            }
            assemblies.Add(assembly);
            foreach (var file in Directory.EnumerateFiles(Path.GetDirectoryName(assembly)!, "*.dll"))
            {
                runtime.TryAdd(Path.GetFileNameWithoutExtension(file), file);
            }
        }
        return new Result(assemblies, runtime, sources, errors);
    }

    // One project: its last good build and the newest source time it saw. Kept for the process, like its gate.
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001:Types that own disposable fields should be disposable",
        Justification = "One per project for the life of the process.")]
    private sealed class Built(ProjectBuild build, string directory)
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private string? _assembly;
        private DateTime _builtFrom;

        public async Task<(string? Assembly, IReadOnlyList<ScriptError> Errors, IReadOnlyList<string> Sources)> EnsureAsync(CancellationToken cancellationToken)
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var sources = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Where(build.IsSourceFile).ToList();
                var newest = sources.Select(File.GetLastWriteTimeUtc).DefaultIfEmpty().Max();
                if (_assembly is not null && newest <= _builtFrom && File.Exists(_assembly))
                {
                    return (_assembly, [], sources);
                }
                foreach (var changed in sources.Where(f => File.GetLastWriteTimeUtc(f) > _builtFrom))
                {
                    build.IsSource(changed);   // a changed project file calls for a restore too
                }
                var result = await build.BuildAsync(cancellationToken).ConfigureAwait(false);
                (_assembly, _builtFrom) = (result.Assembly, result.Assembly is null ? default : newest);
                return (result.Assembly, result.Errors, sources);
            }
            finally
            {
                _gate.Release();
            }
        }
    }
}
