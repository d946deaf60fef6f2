using System.Globalization;
using System.Threading.Channels;

namespace DevServe;

public static partial class Dispatchers
{
    /// <summary>Logs each request to <paramref name="writer"/>; with <paramref name="inner"/>, logs it with inner's response.</summary>
    /// <param name="format">The line format.</param>
    /// <param name="writer">Where lines go; written by a background task, never on the request path.</param>
    /// <param name="inner">
    /// <c>null</c>: log the request, then pass it on (Racket's dispatch-log); status and size are <c>-</c>.
    /// Otherwise answer with <paramref name="inner"/> and log its status and size (Racket's dispatch-logresp).
    /// </param>
    /// <remarks>Racket: dispatchers/dispatch-log.rkt and dispatch-logresp.rkt.</remarks>
    public static Dispatcher Log(LogFormat format, TextWriter writer, Dispatcher? inner = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        return Log(format, LogWriter.Start(_ => writer, reopen: null), inner);
    }

    /// <summary>Logs each request to the file <paramref name="path"/> (appended; recreated if deleted, as log rotation expects).</summary>
    /// <inheritdoc cref="Log(LogFormat, TextWriter, Dispatcher?)"/>
    /// <param name="format">The line format.</param>
    /// <param name="path">The log file.</param>
    /// <param name="inner">As for the <see cref="TextWriter"/> overload.</param>
    public static Dispatcher Log(LogFormat format, string path, Dispatcher? inner = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        return Log(format, LogWriter.Start(_ => new StreamWriter(full, append: true), reopen: () => !File.Exists(full)), inner);
    }

    private static Dispatcher Log(LogFormat format, LogWriter log, Dispatcher? inner)
    {
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

    /// <summary>Lines go through a channel to one background writer, so a slow disk never delays a response.</summary>
    private sealed class LogWriter
    {
        private readonly Channel<string> _lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

        public static LogWriter Start(Func<int, TextWriter> open, Func<bool>? reopen)
        {
            var log = new LogWriter();
            _ = Task.Run(() => log.PumpAsync(open, reopen));
            return log;
        }

        public void Write(string line) => _lines.Writer.TryWrite(line);

        private async Task PumpAsync(Func<int, TextWriter> open, Func<bool>? reopen)
        {
            TextWriter? writer = null;
            var opened = 0;
            while (await _lines.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                try
                {
                    if (writer is null || reopen?.Invoke() == true)
                    {
                        if (reopen is not null && writer is not null)
                        {
                            await writer.DisposeAsync().ConfigureAwait(false);
                        }
                        writer = open(opened++);
                    }
                    while (_lines.Reader.TryRead(out var line))
                    {
                        await writer.WriteLineAsync(line).ConfigureAwait(false);
                    }
                    await writer.FlushAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
                {
                    // A log that cannot be written must not take the server down; try again with the next line.
                    Console.Error.WriteLine($"DevServe: cannot write the request log: {e.Message}");
                    writer = null;
                }
            }
        }
    }
}
