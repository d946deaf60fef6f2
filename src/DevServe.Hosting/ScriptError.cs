namespace DevServe.Hosting;

/// <summary>One compile error of a script: where it is and what it says.</summary>
/// <param name="Path">The file (the script or a file it loads).</param>
/// <param name="Line">1-based line; 0 when the error has no place in a source file.</param>
/// <param name="Column">1-based column.</param>
/// <param name="Id">The compiler's id, e.g. CS0103.</param>
/// <param name="Message">The compiler's message.</param>
public sealed record ScriptError(string Path, int Line, int Column, string Id, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Path}({Line},{Column}): error {Id}: {Message}";
}
