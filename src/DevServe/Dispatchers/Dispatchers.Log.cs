using System.Globalization;

namespace DevServe;

public static partial class Dispatchers
{
    /// <summary>Logs each request to <paramref name="writer"/>; with <paramref name="inner"/>, logs it with inner's response.</summary>
    /// <param name="format">The line format.</param>
    /// <param name="writer">Where lines go; written by a background task, never on the request path (see <see cref="RequestLog"/>).</param>
    /// <param name="inner">
    /// <c>null</c>: log the request, then pass it on (Racket's dispatch-log); status and size are <c>-</c>.
    /// Otherwise answer with <paramref name="inner"/> and log its status and size (Racket's dispatch-logresp).
    /// </param>
    /// <remarks>Racket: dispatchers/dispatch-log.rkt and dispatch-logresp.rkt.</remarks>
    public static Dispatcher Log(LogFormat format, TextWriter writer, Dispatcher? inner = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
#pragma warning disable CA2000 // lives as long as the process; the writer stays the caller's
        return Log(format, new RequestLog(writer), inner);
#pragma warning restore CA2000
    }

    /// <summary>Logs each request to the file <paramref name="path"/> (appended; recreated if deleted, as log rotation expects).</summary>
    /// <inheritdoc cref="Log(LogFormat, TextWriter, Dispatcher?)"/>
    /// <param name="format">The line format.</param>
    /// <param name="path">The log file.</param>
    /// <param name="inner">As for the <see cref="TextWriter"/> overload.</param>
    public static Dispatcher Log(LogFormat format, string path, Dispatcher? inner = null)
    {
        ArgumentNullException.ThrowIfNull(path);
#pragma warning disable CA2000 // lives as long as the process; a server that owns its log makes a RequestLog and disposes it
        return Log(format, new RequestLog(path), inner);
#pragma warning restore CA2000
    }

    /// <summary>Logs each request to <paramref name="log"/>, which its owner disposes (closing the file) once the server has stopped.</summary>
    /// <param name="format">The line format.</param>
    /// <param name="log">The log.</param>
    /// <param name="inner">As for the <see cref="TextWriter"/> overload.</param>
    public static Dispatcher Log(LogFormat format, RequestLog log, Dispatcher? inner = null)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (!Enum.IsDefined(format))
        {
            throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown log format.");
        }
        if (inner is null)
        {
            return request =>
            {
                log.Write(FormatLogLine(format, request, null, DateTimeOffset.Now));
                return NextDispatcher;
            };
        }
        return async request =>
        {
            var response = await inner(request).ConfigureAwait(false);
            log.Write(FormatLogLine(format, request, response ?? Internal.ErrorPages.NotFound, DateTimeOffset.Now));
            return response;
        };
    }

    internal static string FormatLogLine(LogFormat format, Request request, Response? response, DateTimeOffset time)
    {
        var code = response?.Code.ToString(CultureInfo.InvariantCulture) ?? "-";
        var size = response is null ? "-" : ResponseLength(response);
        var url = request.Uri.PathAndQuery;
        return format switch
        {
            LogFormat.ParenthesizedDefault =>
                $"(from {Quote(request.ClientIp)} to {Quote(request.HostIp)} for {Quote(url)} at {Quote(time.ToString("ddd, d MMM yyyy HH:mm:ss", CultureInfo.InvariantCulture))}"
                + (response is null ? ")" : $" code {code})"),
            LogFormat.Extended =>
                $"((client-ip {Quote(request.ClientIp)}) (host-ip {Quote(request.HostIp)}) (referer {(request.Header("Referer") is { } r ? Quote(r) : "#f")}) "
                + $"(uri {Quote(request.Uri.ToString())}) (time {time.ToUnixTimeSeconds()})"
                + (response is null ? ")" : $" (code {code}))"),
            _ =>
                $"{request.ClientIp} - - [{time.ToString("dd/MMM/yyyy:HH:mm:ss ", CultureInfo.InvariantCulture)}{time.ToString("zzz", CultureInfo.InvariantCulture).Replace(":", "")}] "
                + $"\"{request.Method} {url} {request.Protocol}\" {code} {size}"
                + (format == LogFormat.Combined
                    ? $" \"{request.Header("Referer") ?? "-"}\" \"{request.Header("User-Agent") ?? "-"}\""
                    : ""),
        };
    }

    private static string ResponseLength(Response response)
    {
        if (response.Body is { } body)
        {
            return body.Length.ToString(CultureInfo.InvariantCulture);
        }
        foreach (var header in response.Headers)
        {
            if (string.Equals(header.Field, "Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                return header.Value;
            }
        }
        return "-";
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
