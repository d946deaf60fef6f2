using System.CommandLine;
using System.Text.RegularExpressions;
using DevServe.Hosting;

namespace DevServe.Cli;

/// <summary>
/// The server options <c>run</c> and <c>repl</c> share (Racket's <c>serve/servlet</c> keywords as flags), and serving
/// a reloading servlet with them: quit page, static files, live reload, request log, banner, browser.
/// </summary>
internal sealed class ServerOptions
{
    public readonly Option<int> Port = new("--port", "-p") { Description = "The port (0 = a free port).", DefaultValueFactory = _ => 8000 };
    public readonly Option<string> ListenIp = new("--listen-ip") { Description = "The address to listen on.", DefaultValueFactory = _ => "127.0.0.1" };
    public readonly Option<bool> NoBrowser = new("--no-browser") { Description = "Do not open a browser." };
    public readonly Option<string> LaunchPath = new("--launch-path") { Description = "The path the browser opens.", DefaultValueFactory = _ => "/" };
    public readonly Option<DirectoryInfo[]> Htdocs = new("--htdocs") { Description = "Directories of static files served before the servlet (default: htdocs/ beside the servlet)." };
    public readonly Option<bool> NoQuit = new("--no-quit") { Description = "No /quit page." };
    public readonly Option<bool> NoBanner = new("--no-banner") { Description = "Print no banner." };
    public readonly Option<string> ServletPath = new("--servlet-path") { Description = "Serve the servlet at this path only (default: every path)." };
    public readonly Option<string> ServletRegexp = new("--servlet-regexp") { Description = "Serve the servlet at the paths this regular expression matches." };
    public readonly Option<FileInfo> LogFile = new("--log-file") { Description = "Append a request log to this file." };
    public readonly Option<string> LogFormat = new("--log-format") { Description = "apache-default (default), combined, parenthesized or extended.", DefaultValueFactory = _ => "apache-default" };
    public readonly Option<bool> Stateless = new("--stateless") { Description = "Keep no conversation on the server: continuations travel in signed URLs." };
    public readonly Option<bool> EncryptLinks = new("--encrypt-links") { Description = "With --stateless: encrypt the links too (AES-GCM), so their contents cannot be read." };
    public readonly Option<string> Store = new("--store")
    {
        Description = "With --stateless: where links too big for a URL are kept, a directory or redis://host:port (shared by every node). Default: $DEVSERVE_URL_STORE, else ~/.cache/devserve/urls.",
    };
    public readonly Option<string> KeyRing = new("--key-ring")
    {
        Description = "With --stateless: the keys that sign links, a file or redis://host:port shared by every node (devserve keys rotates them). Default: the key file $DEVSERVE_STUFFER_KEY.",
    };
    public readonly Option<string> NodeId = new("--node-id")
    {
        Description = "This node's name, written into its k-urls so a load balancer routes each back to it (letters, digits, _).",
    };
    public readonly Option<bool> NoCache = new("--no-cache") { Description = "Always compile (do not use the compiled-script cache)." };
    public readonly Option<FileInfo> SslCert = new("--ssl-cert") { Description = "A PEM certificate: serve HTTPS (with --ssl-key)." };
    public readonly Option<FileInfo> SslKey = new("--ssl-key") { Description = "The PEM private key of --ssl-cert." };
    public readonly Option<string> Editor = new("--editor")
    {
        Description = "Link each file:line on the error pages to this editor: vscode, vscodium, rider, emacs, vim, a URL pattern "
            + "(vscode://file/{file}:{line}:{column}) or a command with {file}, {line}, {column}. Default: $DEVSERVE_EDITOR.",
    };
    public readonly Option<string[]> TrustHost = new("--trust-host")
    {
        Description = "Also answer requests addressed to this host name (bound to loopback, only localhost names are answered). Repeatable.",
        AllowMultipleArgumentsPerToken = false,
    };

    public ServerOptions()
    {
        LogFormat.AcceptOnlyFromAmong("apache-default", "combined", "parenthesized", "extended");
        Port.Validators.Add(r => PortRange(r, "--port"));
        NodeId.Validators.Add(r =>
        {
            if (r.Tokens is [.., var last] && !DevServe.NodeId.IsValid(last.Value))
            {
                r.AddError("--node-id: " + DevServe.NodeId.Rule);
            }
        });
    }

    /// <summary>
    /// Checks a port option's token. Reading the value with <c>GetValue</c> here would throw on a token that is not a
    /// number (<c>--port abc</c>); the parser reports that one itself.
    /// </summary>
    public static void PortRange(System.CommandLine.Parsing.OptionResult result, string name)
    {
        if (result.Tokens is [.., var last] && int.TryParse(last.Value, out var port) && port is < 0 or > 65535)
        {
            result.AddError($"{name} must be between 0 and 65535.");
        }
    }

    /// <summary>The optional file argument of <c>run</c> and <c>repl</c>.</summary>
    public static Argument<FileInfo?> FileArgument(string description) => new("file") { Description = description, Arity = ArgumentArity.ZeroOrOne };

    /// <summary>Adds every option to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Port, ListenIp, NoBrowser, LaunchPath, Htdocs, NoQuit, NoBanner, NoCache, SslCert, SslKey,
                     ServletPath, ServletRegexp, LogFile, LogFormat, Stateless, EncryptLinks, Store, KeyRing, NodeId, Editor, TrustHost })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The hosting options the environment and the command line give; <c>null</c> after printing why there are none (a bad stuffer key file).</summary>
    public Task<ServletHostOptions?> HostOptionsAsync(OptionValues values)
        => ReadHostOptionsAsync(useCache: !values.Get(NoCache), stateless: values.Get(Stateless), encryptLinks: values.Get(EncryptLinks),
            editor: values.Get(Editor), store: values.Get(Store), keyRing: values.Get(KeyRing), nodeId: values.Get(NodeId));

    /// <summary>
    /// The hosting options of <c>run</c>, <c>repl</c> and <c>serve</c> (<see cref="HostEnvironment.Read"/>); <c>null</c>
    /// after printing why there are none (a bad key file or ring, a malformed Redis URL, store options without stateless).
    /// </summary>
    public static async Task<ServletHostOptions?> ReadHostOptionsAsync(bool useCache, bool stateless, bool encryptLinks, string? editor,
        string? store, string? keyRing, string? nodeId)
    {
        if (!stateless && (store ?? keyRing) is not null)
        {
            await Console.Error.WriteLineAsync("devserve: --store and --key-ring are where stateless links go: give --stateless too.");
            return null;
        }
        try
        {
            // Parsed first on its own, so its error names --editor (HostEnvironment.Read parses it again).
            _ = (editor ?? Environment.GetEnvironmentVariable("DEVSERVE_EDITOR")) is { Length: > 0 } pattern ? EditorLinks.Parse(pattern) : null;
        }
        catch (FormatException e)
        {
            await Console.Error.WriteLineAsync($"devserve: --editor: {e.Message}");
            return null;
        }
        try
        {
            return HostEnvironment.Read(useCache, stateless, encryptLinks, editor, store, keyRing, nodeId);
        }
        catch (FormatException e)
        {
            await Console.Error.WriteLineAsync($"devserve: {e.Message}");
            return null;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"devserve: the stateless servlets' signing key: {e.Message}");
            return null;
        }
    }

    /// <summary>Checks, once at start-up, the paths and the address the options name; prints what is wrong.</summary>
    private async Task<bool> CheckPathsAsync(OptionValues values)
    {
        async Task<bool> Fail(string message)
        {
            await Console.Error.WriteLineAsync("devserve: " + message);
            return false;
        }
        foreach (var htdocs in values.Get(Htdocs) ?? [])
        {
            if (!htdocs.Exists)
            {
                return await Fail($"--htdocs {htdocs.FullName}: no such directory.");
            }
        }
        if (values.Get(LogFile) is { } log && !Directory.Exists(log.DirectoryName))
        {
            return await Fail($"--log-file {log.FullName}: the directory {log.DirectoryName} does not exist.");
        }
        if (values.Get(LogFile) is { } existing && Directory.Exists(existing.FullName))
        {
            return await Fail($"--log-file {existing.FullName}: that is a directory.");
        }
        foreach (var (name, file) in new[] { ("--ssl-cert", values.Get(SslCert)), ("--ssl-key", values.Get(SslKey)) })
        {
            if (file is { Exists: false })
            {
                return await Fail($"{name} {file.FullName}: no such file.");
            }
        }
        if (values.Given(ListenIp) && values.Get(ListenIp) is { } ip && await ListenAddressProblemAsync(ip) is { } problem)
        {
            return await Fail($"--listen-ip {ip}: {problem}");
        }
        return true;
    }

    /// <summary>Why <paramref name="ip"/> cannot be listened on (not an address, not resolvable), or <c>null</c>.</summary>
    public static async Task<string?> ListenAddressProblemAsync(string ip)
    {
        if (ip.Equals("localhost", StringComparison.OrdinalIgnoreCase) || System.Net.IPAddress.TryParse(ip, out _))
        {
            return null;
        }
        if (ip.All(c => char.IsAsciiDigit(c) || c == '.'))
        {
            return "not a valid IP address.";   // 999.1.1.1: no name server will make it one
        }
        try
        {
            return (await System.Net.Dns.GetHostAddressesAsync(ip)).Length > 0 ? null : "the name resolves to no address.";
        }
        catch (System.Net.Sockets.SocketException e)
        {
            return $"not an IP address, and not a host name that resolves ({e.Message}).";
        }
        catch (ArgumentException)
        {
            return "not an IP address or a host name.";
        }
    }

    /// <summary>What the options say, checked; <c>null</c> after printing why they do not go together.</summary>
    /// <param name="values">The options' values (the command line, maybe over a launch profile).</param>
    /// <param name="servletDirectory">Where the default <c>htdocs/</c> is.</param>
    /// <param name="address">The address and port when something else decided them (a profile's URL); the options win when given.</param>
    /// <param name="launchPath">The page to open when something else decided it; "" = no browser. The options win when given.</param>
    public async Task<ServerPlan?> ResolveAsync(OptionValues values, string servletDirectory, (string? Ip, int Port)? address = null,
        string? launchPath = null)
    {
        var cert = values.Get(SslCert);
        var key = values.Get(SslKey);
        if ((cert is null) != (key is null))
        {
            await Console.Error.WriteLineAsync("devserve: --ssl-cert and --ssl-key go together.");
            return null;
        }
        if (values.Get(ServletPath) is not null && values.Get(ServletRegexp) is not null)
        {
            await Console.Error.WriteLineAsync("devserve: give --servlet-path or --servlet-regexp, not both.");
            return null;
        }
        Regex? only;
        try
        {
            only = values.Get(ServletPath) is { } p ? new("^" + Regex.Escape(p) + "$") : values.Get(ServletRegexp) is { } r ? new(r) : null;
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"devserve: --servlet-regexp: {e.Message}");
            return null;
        }
        if (await CheckPathsAsync(values) is false)
        {
            return null;
        }
        var useAddress = address is { } a && !values.Given(Port) && !values.Given(ListenIp);
        string? browse = null;
        if (!values.Get(NoBrowser))
        {
            browse = values.Given(LaunchPath) || launchPath is null ? values.Get(LaunchPath) : launchPath is { Length: > 0 } ? launchPath : null;
        }
        return new ServerPlan(
            ListenIp: useAddress ? address!.Value.Ip : values.Get(ListenIp),
            Port: useAddress ? address!.Value.Port : values.Get(Port),
            LaunchPath: browse,
            Banner: !values.Get(NoBanner),
            Quit: !values.Get(NoQuit),
            StaticRoots: values.Get(Htdocs) is { Length: > 0 } given ? [.. given.Select(d => d.FullName)] : [Path.Combine(servletDirectory, "htdocs")],
            Only: only,
            LogFile: values.Get(LogFile)?.FullName,
            LogFormat: values.Get(LogFormat) switch
            {
                "combined" => DevServe.LogFormat.Combined,
                "parenthesized" => DevServe.LogFormat.ParenthesizedDefault,
                "extended" => DevServe.LogFormat.Extended,
                _ => DevServe.LogFormat.ApacheDefault,
            },
            SslCert: cert?.FullName,
            SslKey: key?.FullName,
            TrustedHosts: values.Get(TrustHost) ?? []);
    }
}
