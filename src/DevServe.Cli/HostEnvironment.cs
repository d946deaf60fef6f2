using DevServe.Hosting;

namespace DevServe.Cli;

/// <summary>
/// The environment variables DevServe reads, all of them, here at the edge: the libraries take what they mean as
/// <see cref="ServletHostOptions"/> and never read the environment themselves.
/// </summary>
/// <remarks>
/// <c>DEVSERVE_CACHE</c> (else <c>$XDG_CACHE_HOME/devserve/scripts</c>, else <c>~/.cache/devserve/scripts</c>): compiled
/// scripts and restored packages. <c>DEVSERVE_STUFFER_KEY</c>: the stateless servlets' signing key file.
/// <c>DEVSERVE_URL_STORE</c>: their hash store, a directory or a <c>redis://</c> URL (as <c>--store</c>).
/// <c>DEVSERVE_KEY_RING</c>: their key ring, a file or a <c>redis://</c> URL (as <c>--key-ring</c>; a URL with a password
/// stays out of <c>ps</c> this way). <c>DEVSERVE_STUFFER_OLD_KEYS</c>: retired key files (separated
/// by <c>:</c>) whose links are still accepted, for key rotation. <c>BROWSER</c> is read by <c>Launch.SendUrl</c>, as
/// Racket's <c>send-url</c> reads it. <c>DEVSERVE_REPL_HISTORY</c>: the REPL's history file. <c>DEVSERVE_EDITOR</c>: the editor the error pages link to, when <c>--editor</c> is not given.
/// <c>DEVSERVE_COMPILE_SERVER=0</c>: compile every servlet in-process, never with a compile server.
/// </remarks>
internal static class HostEnvironment
{
    /// <summary>The options the environment gives, with the command line's.</summary>
    /// <param name="useCache">Whether compiled scripts are cached.</param>
    /// <param name="stateless">Whether servlets keep their continuations in links.</param>
    /// <param name="encryptLinks">Whether stateless links are encrypted too.</param>
    /// <param name="editor">The editor the error pages link to (else <c>DEVSERVE_EDITOR</c>).</param>
    /// <param name="store">The links' hash store, a directory or <c>redis://</c> URL (else <c>DEVSERVE_URL_STORE</c>, else the default directory).</param>
    /// <param name="keyRing">The key ring, a file or <c>redis://</c> URL (else <c>DEVSERVE_KEY_RING</c>, else the key file <c>DEVSERVE_STUFFER_KEY</c> and <c>DEVSERVE_STUFFER_OLD_KEYS</c>).</param>
    /// <param name="nodeId">This node's name in its k-urls.</param>
    /// <exception cref="InvalidDataException">The stuffer key file is too short, or the key ring is not one.</exception>
    /// <exception cref="IOException">The stuffer key file or key ring cannot be read or made.</exception>
    /// <exception cref="UnauthorizedAccessException">The stuffer key file cannot be read or made.</exception>
    /// <exception cref="FormatException">The editor is neither a preset nor a pattern with <c>{file}</c>; a malformed Redis URL.</exception>
    public static ServletHostOptions Read(bool useCache = true, bool stateless = false, bool encryptLinks = false, string? editor = null,
        string? store = null, string? keyRing = null, string? nodeId = null)
    {
        var cache = Path.GetFullPath(Variable("DEVSERVE_CACHE")
            ?? (Variable("XDG_CACHE_HOME") is { } xdg ? Path.Combine(xdg, "devserve", "scripts") : ServletHostOptions.DefaultCacheDirectory));
        return new()
        {
            Editor = (editor ?? Variable("DEVSERVE_EDITOR")) is { } pattern ? EditorLinks.Parse(pattern) : null,
            CacheDirectory = cache,
            CompileServer = Variable("DEVSERVE_COMPILE_SERVER") == "0"
                ? null
                : new CompileServerClient(cache, () => CompileServerCommand.StartInBackground(cache)),
            UseCache = useCache,
            Stateless = stateless,
            NodeId = nodeId,
            // Read now, not at the first request: a bad key file is a start-up error, not a failing page.
            Stuffer = stateless ? Stuffer(encryptLinks, LinkStorage.Store(store ?? Variable("DEVSERVE_URL_STORE")), keyRing ?? Variable("DEVSERVE_KEY_RING")) : null,
        };
    }

    private static IStuffer<byte[]> Stuffer(bool encryptLinks, IStore store, string? keyRing)
    {
        if (LinkStorage.Warning(store) is { } warning)
        {
            Console.Error.WriteLine("devserve: warning: " + warning);
        }
        return keyRing is not null
            ? Stuffers.Make(LinkStorage.Ring(keyRing), store, encryptLinks)
            : Stuffers.Make([Stuffers.DefaultKey(Variable("DEVSERVE_STUFFER_KEY")), .. OldKeys()], store, encryptLinks);
    }

    /// <summary>Where the REPL keeps its history: <c>DEVSERVE_REPL_HISTORY</c>, else under <c>XDG_STATE_HOME</c>, else <c>~/.local/state</c>.</summary>
    public static string ReplHistoryPath() => Variable("DEVSERVE_REPL_HISTORY") ?? ReplHistory.DefaultPath(Variable("XDG_STATE_HOME"));

    // Retired keys are read, never made: a missing one is an error, not a fresh key.
    private static IEnumerable<byte[]> OldKeys() => (Variable("DEVSERVE_STUFFER_OLD_KEYS") ?? "")
        .Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(path => File.ReadAllBytes(path) is { Length: >= 16 } key ? key : throw new InvalidDataException($"{path}: a stuffer key file holds at least 16 bytes."));

    private static string? Variable(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}
