using System.Runtime.Loader;

namespace DevServe.Hosting;

/// <summary>The outcome of compiling a script: its <c>Start</c> and load context, or its errors.</summary>
internal sealed class CompiledScript
{
    private CompiledScript(string path, IReadOnlyList<string> sources, Func<Request, Task<Response>>? start,
        AssemblyLoadContext? context, IReadOnlyList<ScriptError> errors)
    {
        Path = path;
        Sources = sources;
        Start = start;
        Context = context;
        Errors = errors;
    }

    internal static CompiledScript Succeeded(string path, IReadOnlyList<string> sources, Func<Request, Task<Response>> start, AssemblyLoadContext context,
        IReadOnlyList<ScriptError>? warnings = null, IReadOnlyList<string>? staticRoots = null, IReadOnlyList<string>? projectDirectories = null,
        Task? storing = null)
        => new(path, sources, start, context, [])
        {
            Warnings = warnings ?? [], StaticRoots = staticRoots ?? [], ProjectDirectories = projectDirectories ?? [], Storing = storing ?? Task.CompletedTask,
        };

    internal static CompiledScript Failed(string path, IReadOnlyList<string> sources, IReadOnlyList<ScriptError> errors,
        IReadOnlyList<string>? projectDirectories = null)
        => new(path, sources, null, null, errors) { ProjectDirectories = projectDirectories ?? [] };

    /// <summary>A version dropped before it was loaded: its files changed while it compiled (none of it ran).</summary>
    internal static CompiledScript Dropped(string path) => new(path, [], null, null, []) { IsDropped = true };

    /// <summary>Whether this version was dropped before loading (<see cref="Dropped"/>).</summary>
    public bool IsDropped { get; private init; }

    /// <summary>A script that compiles, checked without loading it (nothing of it runs): no servlet, no errors.</summary>
    internal static CompiledScript Checked(string path, IReadOnlyList<string> sources) => new(path, sources, null, null, []);

    /// <summary>A script or app compiled into the cache without loading it (<see cref="ScriptCompiler.StoreAsync"/>).</summary>
    internal static CompiledScript InCache(string path, IReadOnlyList<string> sources, bool stored) => new(path, sources, null, null, []) { Stored = stored };

    /// <summary>
    /// Writing this version into the compiled-script cache, which a reload does not wait for before it swaps the
    /// version in (~3 ms of every save); completed when there is nothing to write. Never faults.
    /// </summary>
    public Task Storing { get; private init; } = Task.CompletedTask;

    /// <summary>Whether the compile left its entry in the compiled-script cache (<see cref="InCache"/>).</summary>
    public bool Stored { get; private init; }

    /// <summary>The script.</summary>
    public string Path { get; }

    /// <summary>Every file the compilation read: the script and what it <c>#load</c>s.</summary>
    public IReadOnlyList<string> Sources { get; }

    /// <summary>The servlet, or <c>null</c> when the script did not compile.</summary>
    public Func<Request, Task<Response>>? Start { get; }

    /// <summary>The collectible load context holding the compiled script.</summary>
    public AssemblyLoadContext? Context { get; }

    /// <summary>The compile errors; empty on success.</summary>
    public IReadOnlyList<ScriptError> Errors { get; }

    /// <summary>The folders of the projects it references (<c>#:project</c>): any source saved under one rebuilds.</summary>
    public IReadOnlyList<string> ProjectDirectories { get; private init; } = [];

    /// <summary>The folders the script serves static files from (<c>StaticFilesPath</c> at its top level).</summary>
    public IReadOnlyList<string> StaticRoots { get; private init; } = [];

    /// <summary>DevServe's own warnings about the code (a suspension inside try/finally); empty when loaded from the cache.</summary>
    public IReadOnlyList<ScriptError> Warnings { get; private init; } = [];
}
