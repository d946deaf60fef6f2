using System.Globalization;
using System.Text;
using DevServe.Internal;

namespace DevServe;

/// <summary>
/// Racket's configuration-table file (<c>configuration-table.rkt</c>): one s-expression of
/// <c>(port N) (max-waiting N) (initial-connection-timeout N) (default-host-table (host-table …)) (virtual-host-table ("name" (host-table …)) …)</c>.
/// Missing keys keep their defaults; an unknown key or a value of the wrong kind is an error at its position.
/// </summary>
internal static class ConfigurationTable
{
    public static WebConfig Read(string text, string source)
    {
        object datum;
        try
        {
            datum = SExpression.Read(text, source);
        }
        catch (FormatException e)
        {
            throw new WebConfigException(e.Message, e);
        }
        var top = datum as SExpression.ListAt ?? throw new WebConfigException($"{source}:1:1: a configuration table is a list of (key value) entries");
        var config = new WebConfig();
        foreach (var (key, values, at) in Entries(top, source, "configuration table"))
        {
            config = key switch
            {
                "port" => config with { Port = WholeNumber(values, at, source, key) },
                "max-waiting" => config with { MaxWaiting = WholeNumber(values, at, source, key) },
                "initial-connection-timeout" => config with { InitialConnectionTimeout = (double)Number(values, at, source, key) },
                "listen-ip" => config with { ListenIp = OptionalText(values, at, source, key) },
                "default-host-table" => config with { DefaultHost = Host(Single(values, at, source, key), at, source) },
                "virtual-host-table" => config with { VirtualHosts = [.. values.Select(v => VirtualHost(v, at, source))] },
                _ => throw Unknown(at, source, key, "configuration table"),
            };
        }
        return WebConfigValidation.Check(config, source);
    }

    private static VirtualHost VirtualHost(object value, SExpression.ListAt parent, string source)
    {
        // Racket's docs say a symbol names the host; its code needs a string. Either is taken.
        if (value is SExpression.ListAt entry && entry is [var name and (string or SExpression.Symbol), var table])
        {
            return new VirtualHost(name.ToString()!, Host(table, entry, source));
        }
        var at = value as SExpression.ListAt ?? parent;
        throw new WebConfigException($"{source}:{at.Line}:{at.Column}: virtual-host-table: an entry is (\"host name\" (host-table …))");
    }

    private static HostTable Host(object value, SExpression.ListAt parent, string source)
    {
        if (value is not SExpression.ListAt list || list is not [SExpression.Symbol { Name: "host-table" }, ..])
        {
            var at = value as SExpression.ListAt ?? parent;
            throw new WebConfigException($"{source}:{at.Line}:{at.Column}: expected (host-table …)");
        }
        var host = new HostTable();
        foreach (var (key, values, at) in Entries(list, source, "host-table", skip: 1))
        {
            host = key switch
            {
                "default-indices" => host with { Indices = [.. values.Select(v => v as string ?? throw Kind(at, source, key, "file names in quotes"))] },
                "log-format" => host with { LogFormat = Format(Single(values, at, source, key), at, source) },
                "messages" => host with { Messages = Messages(values, at, source) },
                "timeouts" => host with { Timeouts = Timeouts(values, at, source) },
                "paths" => host with { Paths = Paths(values, at, source) },
                _ => throw Unknown(at, source, key, "host-table"),
            };
        }
        return host;
    }

    private static HostMessages Messages(List<object> values, SExpression.ListAt parent, string source)
        => Section(values, parent, source, "messages", new HostMessages(), (messages, key, v, at) => key switch
        {
            "servlet-message" => messages with { ServletError = Text(v, at, source, key) },
            "authentication-message" => messages with { Authentication = Text(v, at, source, key) },
            "servlets-refreshed" => messages with { ServletsRefreshed = Text(v, at, source, key) },
            "passwords-refreshed" => messages with { PasswordsRefreshed = Text(v, at, source, key) },
            "file-not-found-message" => messages with { FileNotFound = Text(v, at, source, key) },
            "protocol-message" => messages with { Protocol = Text(v, at, source, key) },
            "collect-garbage" => messages with { CollectGarbage = Text(v, at, source, key) },
            _ => null,
        });

    private static HostTimeouts Timeouts(List<object> values, SExpression.ListAt parent, string source)
        => Section(values, parent, source, "timeouts", new HostTimeouts(), (timeouts, key, v, at) => key switch
        {
            "default-servlet-timeout" => timeouts with { DefaultServlet = Seconds(v, at, source, key) },
            "password-connection-timeout" => timeouts with { Password = Seconds(v, at, source, key) },
            "servlet-connection-timeout" => timeouts with { ServletConnection = Seconds(v, at, source, key) },
            "file-per-byte-connection-timeout" => timeouts with { FilePerByte = Seconds(v, at, source, key) },
            "file-base-connection-timeout" => timeouts with { FileBase = Seconds(v, at, source, key) },
            _ => null,
        });

    private static double Seconds(List<object> v, SExpression.ListAt at, string source, string key) => (double)Number(v, at, source, key);

    private static HostPaths Paths(List<object> values, SExpression.ListAt parent, string source)
        => Section(values, parent, source, "paths", new HostPaths(), (paths, key, v, at) => key switch
        {
            "configuration-root" => paths with { ConfigurationRoot = Text(v, at, source, key) },
            "host-root" => paths with { HostRoot = Text(v, at, source, key) },
            "log-file-path" => paths with { LogFile = OptionalText(v, at, source, key) },
            "file-root" => paths with { FileRoot = Text(v, at, source, key) },
            "servlet-root" => paths with { ServletRoot = Text(v, at, source, key) },
            "mime-types" => paths with { MimeTypes = OptionalText(v, at, source, key) },
            "password-authentication" => paths with { Passwords = OptionalText(v, at, source, key) },
            _ => null,
        });

    // A (section (key value) ...) list folded into a record, each key setting one field; a key the section lacks is an error.
    private static T Section<T>(List<object> values, SExpression.ListAt parent, string source, string section, T seed,
        Func<T, string, List<object>, SExpression.ListAt, T?> set) where T : class
    {
        var result = seed;
        foreach (var (key, v, at) in Entries(values, parent, source, section))
        {
            result = set(result, key, v, at) ?? throw Unknown(at, source, key, section);
        }
        return result;
    }

    private static LogFormat Format(object value, SExpression.ListAt at, string source) => value switch
    {
        SExpression.Symbol { Name: "parenthesized-default" } => LogFormat.ParenthesizedDefault,
        SExpression.Symbol { Name: "extended" } => LogFormat.Extended,
        SExpression.Symbol { Name: "apache-default" } => LogFormat.ApacheDefault,
        SExpression.Symbol { Name: "combined" } => LogFormat.Combined,
        _ => throw Kind(at, source, "log-format", "parenthesized-default, extended, apache-default or combined"),
    };

    // (key value ...) entries of a list, each with its position.
    private static IEnumerable<(string Key, List<object> Values, SExpression.ListAt At)> Entries(SExpression.ListAt list, string source, string what, int skip = 0)
        => Entries(list.Skip(skip).ToList(), list, source, what);

    private static IEnumerable<(string Key, List<object> Values, SExpression.ListAt At)> Entries(List<object> items, SExpression.ListAt parent, string source, string what)
    {
        foreach (var item in items)
        {
            if (item is SExpression.ListAt entry && entry is [SExpression.Symbol key, ..])
            {
                yield return (key.Name, entry.Skip(1).ToList(), entry);
            }
            else
            {
                var at = item as SExpression.ListAt ?? parent;
                throw new WebConfigException($"{source}:{at.Line}:{at.Column}: {what}: expected (key value), found {Show(item)}");
            }
        }
    }

    private static object Single(List<object> values, SExpression.ListAt at, string source, string key)
        => values is [var one] ? one : throw Kind(at, source, key, "one value");

    private static decimal Number(List<object> values, SExpression.ListAt at, string source, string key)
        => Single(values, at, source, key) is decimal d ? d : throw Kind(at, source, key, "a number");

    /// <summary>A number that is a whole <c>int</c>: a port or a count (a larger one would overflow, not wrap).</summary>
    private static int WholeNumber(List<object> values, SExpression.ListAt at, string source, string key)
        => Number(values, at, source, key) is var d && d == decimal.Truncate(d) && d is >= int.MinValue and <= int.MaxValue
            ? (int)d
            : throw Kind(at, source, key, "a whole number no larger than 2147483647");

    private static string Text(List<object> values, SExpression.ListAt at, string source, string key)
        => Single(values, at, source, key) as string ?? throw Kind(at, source, key, "a string");

    private static string? OptionalText(List<object> values, SExpression.ListAt at, string source, string key)
        => Single(values, at, source, key) is SExpression.Symbol { Name: "#f" } ? null : Text(values, at, source, key);

    private static WebConfigException Unknown(SExpression.ListAt at, string source, string key, string where)
        => new($"{source}:{at.Line}:{at.Column}: {key}: not a key of {where}");

    private static WebConfigException Kind(SExpression.ListAt at, string source, string key, string expected)
        => new($"{source}:{at.Line}:{at.Column}: {key}: expected {expected}");

    private static string Show(object item) => item switch
    {
        string s => $"\"{s}\"",
        decimal d => d.ToString(CultureInfo.InvariantCulture),
        _ => item.ToString() ?? "",
    };

    /// <summary>Writes the table in Racket's layout (its default <c>configuration-table.rkt</c>).</summary>
    public static string Write(WebConfig config)
    {
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"((port {config.Port})\n (max-waiting {config.MaxWaiting})\n (initial-connection-timeout {Num(config.InitialConnectionTimeout)})\n");
        if (config.ListenIp is { } ip)
        {
            text.Append($" (listen-ip {Str(ip)})\n");
        }
        text.Append(" (default-host-table\n");
        WriteHost(text, config.DefaultHost, "  ");
        text.Append(")\n (virtual-host-table");
        foreach (var host in config.VirtualHosts)
        {
            text.Append($"\n  ({Str(host.Name)}\n");
            WriteHost(text, host.Host, "   ");
            text.Append(')');
        }
        return text.Append("))\n").ToString();
    }

    private static void WriteHost(StringBuilder text, HostTable host, string indent)
    {
        var m = host.Messages;
        var t = host.Timeouts;
        var p = host.Paths;
        text.Append($"{indent}(host-table\n")
            .Append($"{indent} (default-indices {string.Join(' ', host.Indices.Select(Str))})\n")
            .Append($"{indent} (log-format {FormatName(host.LogFormat)})\n")
            .Append($"{indent} (messages\n")
            .Append($"{indent}  (servlet-message {Str(m.ServletError)})\n{indent}  (authentication-message {Str(m.Authentication)})\n")
            .Append($"{indent}  (servlets-refreshed {Str(m.ServletsRefreshed)})\n{indent}  (passwords-refreshed {Str(m.PasswordsRefreshed)})\n")
            .Append($"{indent}  (file-not-found-message {Str(m.FileNotFound)})\n{indent}  (protocol-message {Str(m.Protocol)})\n")
            .Append($"{indent}  (collect-garbage {Str(m.CollectGarbage)}))\n")
            .Append($"{indent} (timeouts\n")
            .Append($"{indent}  (default-servlet-timeout {Num(t.DefaultServlet)})\n{indent}  (password-connection-timeout {Num(t.Password)})\n")
            .Append($"{indent}  (servlet-connection-timeout {Num(t.ServletConnection)})\n")
            .Append($"{indent}  (file-per-byte-connection-timeout {Num(t.FilePerByte)})\n{indent}  (file-base-connection-timeout {Num(t.FileBase)}))\n")
            .Append($"{indent} (paths\n")
            .Append($"{indent}  (configuration-root {Str(p.ConfigurationRoot)})\n{indent}  (host-root {Str(p.HostRoot)})\n")
            .Append($"{indent}  (log-file-path {Opt(p.LogFile)})\n{indent}  (file-root {Str(p.FileRoot)})\n")
            .Append($"{indent}  (servlet-root {Str(p.ServletRoot)})\n{indent}  (mime-types {Opt(p.MimeTypes)})\n")
            .Append($"{indent}  (password-authentication {Opt(p.Passwords)})))");
    }

    private static string FormatName(LogFormat format) => format switch
    {
        LogFormat.ParenthesizedDefault => "parenthesized-default",
        LogFormat.Extended => "extended",
        LogFormat.ApacheDefault => "apache-default",
        _ => "combined",
    };

    private static string Str(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static string Opt(string? s) => s is null ? "#f" : Str(s);

    private static string Num(double d) => d.ToString("R", CultureInfo.InvariantCulture);
}
