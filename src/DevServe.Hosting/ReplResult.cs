namespace DevServe.Hosting;

/// <summary>What one REPL entry did: its value, its compile errors, or its exception.</summary>
internal sealed class ReplResult
{
    private ReplResult(string? value, IReadOnlyList<string> errors, string? exception, bool startChanged)
    {
        Value = value;
        Errors = errors;
        Exception = exception;
        StartChanged = startChanged;
    }

    internal static ReplResult Ran(string? value, bool startChanged) => new(value, [], null, startChanged);

    internal static ReplResult Failed(IReadOnlyList<string> errors, string? value = null) => new(value, errors, null, false);

    internal static ReplResult Threw(string exception) => new(null, [], exception, false);

    /// <summary>The entry's value, formatted as C# shows it (<c>"text"</c>, <c>42</c>, <c>null</c>); null when it has none.</summary>
    public string? Value { get; }

    /// <summary>Compile errors with their positions (<c>(1,5): error CS0103: …</c>); empty when it compiled.</summary>
    public IReadOnlyList<string> Errors { get; }

    /// <summary>The exception it threw, formatted; null when it did not.</summary>
    public string? Exception { get; }

    /// <summary>Whether the servlet changed: <c>Start</c> was defined, or rebound to redefined helpers.</summary>
    public bool StartChanged { get; }
}
