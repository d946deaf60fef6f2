namespace DevServe.Hosting;

/// <summary>
/// What a script says about how it is served, from its top level (Racket: <c>#lang web-server/insta</c>, whose
/// <c>static-files-path</c> this is). Scripts import this class: <c>StaticFilesPath("htdocs");</c>.
/// </summary>
public static class Insta
{
    private static readonly AsyncLocal<ScriptLoad?> s_load = new();

    /// <summary>
    /// Serves the files under <paramref name="path"/> (relative to the script's folder) before the servlet, as
    /// <c>--htdocs</c> would: the script states it itself. Saving a file there reloads the open tabs (a stylesheet is
    /// swapped in place). Call it at the script's top level; several calls add several folders.
    /// </summary>
    /// <param name="path">A folder, relative to the script's folder or absolute.</param>
    /// <exception cref="InvalidOperationException">Called anywhere but a script's top level (in <c>Start</c>, for example).</exception>
    public static void StaticFilesPath(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        const string Where = "StaticFilesPath works at a script's top level, where it says how the script is served: call it outside Start.";
        var load = s_load.Value ?? throw new InvalidOperationException(Where);
        lock (load)
        {
            if (load.Closed)
            {
                throw new InvalidOperationException(Where);
            }
            load.StaticRoots.Add(Path.GetFullPath(Path.Combine(load.Directory, path)));
        }
    }

    /// <summary>Runs a script's top level with <paramref name="directory"/> as its folder; returns what it said.</summary>
    internal static async Task<(T Result, IReadOnlyList<string> StaticRoots)> RunAsync<T>(string directory, Func<Task<T>> topLevel)
    {
        var load = new ScriptLoad(directory);
        s_load.Value = load;   // flows into the top level's code only: this method's own context is thrown away
        var result = await topLevel().ConfigureAwait(false);
        lock (load)
        {
            load.Closed = true;   // work the top level left running (a timer, Task.Run) sees the load closed, not ignored
            return (result, [.. load.StaticRoots.Distinct(StringComparer.Ordinal)]);
        }
    }

    private sealed class ScriptLoad(string directory)
    {
        public string Directory { get; } = directory;

        public List<string> StaticRoots { get; } = [];

        public bool Closed { get; set; }
    }
}
