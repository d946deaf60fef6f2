namespace DevServe.Hosting;

/// <summary>One compile error of a script: where it is and what it says.</summary>
/// <param name="Path">The file (the script or a file it loads).</param>
/// <param name="Line">1-based line; 0 when the error has no place in a source file.</param>
/// <param name="Column">1-based column.</param>
/// <param name="Id">The compiler's id, e.g. CS0103.</param>
/// <param name="Message">The compiler's message.</param>
public sealed record ScriptError(string Path, int Line, int Column, string Id, string Message)
{
    /// <summary>An error at <paramref name="location"/> as <c>#line</c> maps it; in <paramref name="path"/> when the location names no file.</summary>
    internal static ScriptError At(Microsoft.CodeAnalysis.Location location, string path, string id, string message)
    {
        var span = location.GetMappedLineSpan();
        return new ScriptError(span.Path is { Length: > 0 } p ? p : path, span.StartLinePosition.Line + 1, span.StartLinePosition.Character + 1,
            id, message);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Path}({Line},{Column}): error {Id}: {Message}";
}
