using System.Globalization;
using DevServe.Internal;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Net.Http.Headers;

namespace DevServe;

public static partial class Dispatchers
{
    private static readonly FileExtensionContentTypeProvider s_mimeTypes = new();

    /// <summary>The MIME type ASP.NET Core knows for <paramref name="path"/>'s extension, or <c>null</c>.</summary>
    public static string? DefaultPathToMime(string path)
        => s_mimeTypes.TryGetContentType(path, out var mime) ? mime : null;

    /// <summary>Serves the files under <paramref name="root"/> to <c>GET</c> and <c>HEAD</c> requests.</summary>
    /// <param name="root">The directory served; no URL reaches outside it.</param>
    /// <param name="pathToMime">The content type of a file; <c>null</c> = <see cref="DefaultPathToMime"/>.</param>
    /// <param name="indices">Files tried, in order, for a directory URL (Racket: index.html, index.htm).</param>
    /// <param name="pathToHeaders">Extra headers for a file.</param>
    /// <param name="cacheControl">A <c>Cache-Control</c> value to send with files, e.g. <c>immutable, max-age=89432, public</c>.</param>
    /// <param name="allowDotFiles">Serve files and directories whose names start with "." (by default <c>/.env</c> and <c>/.git/</c> are not found).</param>
    /// <param name="allowLinksOutsideRoot">Follow symbolic links whose targets lie outside <paramref name="root"/> (by default they are not found).</param>
    /// <returns>A dispatcher that passes on other methods, missing files and directories without an index.</returns>
    /// <remarks>
    /// Racket: <c>make</c> in dispatchers/dispatch-files.rkt. A directory URL without its slash gets 302 to
    /// <c>dir/</c>; <c>Range</c> gets 206 (several ranges as <c>multipart/byteranges</c>) or 416; <c>If-Modified-Since</c>
    /// and <c>If-None-Match</c> get 304.
    /// </remarks>
    public static Dispatcher Files(string root, Func<string, string?>? pathToMime = null, IReadOnlyList<string>? indices = null,
        Func<string, IEnumerable<Header>>? pathToHeaders = null, string? cacheControl = null, bool allowDotFiles = false,
        bool allowLinksOutsideRoot = false)
    {
        ArgumentNullException.ThrowIfNull(root);
        var mime = pathToMime ?? DefaultPathToMime;
        string[] index = [.. indices ?? ["index.html", "index.htm"]];
        return request =>
        {
            // A URL carrying a continuation belongs to the servlet, always (Racket's servlet dispatcher): "/;k=..." maps to
            // the root directory, whose slash redirect would otherwise take it.
            if (request.Method is not ("GET" or "HEAD") || UrlPath.CarriesContinuation(request.Uri)
                || FilesystemMap.UrlToPath(root, request.Uri, allowDotFiles, allowLinksOutsideRoot) is not { } path)
            {
                return NextDispatcher;
            }
            if (Directory.Exists(path))
            {
                if (!request.Uri.AbsolutePath.EndsWith('/'))
                {
                    // Never "//host/": a Location starting with two slashes sends the browser to another site.
                    return new(Response.RedirectTo(UrlPath.WithoutEmptySegments(request.Uri.AbsolutePath) + "/" + request.Uri.Query,
                        RedirectionStatus.Temporarily));
                }
                path = index.Select(i => Path.Join(path, i)).FirstOrDefault(File.Exists)!;
                // The index file is a link of its own, checked like every other step of the path.
                if (path is null || (!allowLinksOutsideRoot && !FilesystemMap.StaysInside(root, path)))
                {
                    return NextDispatcher;
                }
            }
            var file = new FileInfo(path);
            if (!file.Exists || !Readable(file))
            {
                return NextDispatcher;
            }
            return new(FileResponse(request, file, mime(path), pathToHeaders?.Invoke(path), cacheControl));
        };
    }

    private static bool Readable(FileInfo file)
    {
        try
        {
            using var handle = File.OpenHandle(file.FullName);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static Response FileResponse(Request request, FileInfo file, string? mime, IEnumerable<Header>? extra, string? cacheControl)
    {
        var length = file.Length;
        var modified = new DateTimeOffset(file.LastWriteTimeUtc.Ticks - file.LastWriteTimeUtc.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
        var etag = $"\"{length:x}-{modified.ToUnixTimeSeconds():x}\"";
        List<Header> headers = [new("Accept-Ranges", "bytes"), new("ETag", etag)];
        if (cacheControl is not null)
        {
            headers.Add(new("Cache-Control", cacheControl));
        }
        headers.AddRange(extra ?? []);

        if (NotModified(request, modified, etag))
        {
            return new Response { Code = 304, Message = "Not Modified", Seconds = modified, Mime = null, Headers = headers, };
        }
        var ranges = ParseRanges(request.Header("Range"), length);
        if (ranges is null)
        {
            headers.Add(new("Content-Length", length.ToString(CultureInfo.InvariantCulture)));
            return new Response { Seconds = modified, Mime = mime, Headers = headers, Output = s => CopyAsync(file.FullName, 0, length, s, request.Aborted) };
        }
        if (ranges.Count == 0)
        {
            headers.Add(new("Content-Range", $"bytes */{length}"));
            headers.Add(new("Content-Length", "0"));
            return new Response { Code = 416, Message = Response.StatusMessage(416), Seconds = modified, Mime = null, Headers = headers };
        }
        if (ranges.Count == 1)
        {
            var (from, to) = ranges[0];
            headers.Add(new("Content-Range", $"bytes {from}-{to}/{length}"));
            headers.Add(new("Content-Length", (to - from + 1).ToString(CultureInfo.InvariantCulture)));
            return new Response
            {
                Code = 206, Message = Response.StatusMessage(206), Seconds = modified, Mime = mime, Headers = headers,
                Output = s => CopyAsync(file.FullName, from, to - from + 1, s, request.Aborted),
            };
        }
        var boundary = Guid.NewGuid().ToString("N");
        var parts = ranges.Select(r => (r.From, r.To,
            Head: System.Text.Encoding.ASCII.GetBytes(
                $"\r\n--{boundary}\r\n{(mime is null ? "" : $"Content-Type: {mime}\r\n")}Content-Range: bytes {r.From}-{r.To}/{length}\r\n\r\n"))).ToArray();
        var tail = System.Text.Encoding.ASCII.GetBytes($"\r\n--{boundary}--\r\n");
        var total = parts.Sum(p => p.Head.Length + p.To - p.From + 1) + tail.Length;
        headers.Add(new("Content-Length", total.ToString(CultureInfo.InvariantCulture)));
        return new Response
        {
            Code = 206, Message = Response.StatusMessage(206), Seconds = modified, Mime = "multipart/byteranges; boundary=" + boundary,
            Headers = headers,
            Output = async s =>
            {
                foreach (var (from, to, head) in parts)
                {
                    await s.WriteAsync(head, request.Aborted).ConfigureAwait(false);
                    await CopyAsync(file.FullName, from, to - from + 1, s, request.Aborted).ConfigureAwait(false);
                }
                await s.WriteAsync(tail, request.Aborted).ConfigureAwait(false);
            },
        };
    }

    private static bool NotModified(Request request, DateTimeOffset modified, string etag)
    {
        if (request.Header("If-None-Match") is { } match)
        {
            return match.Trim() == "*" || match.Split(',').Any(m => m.Trim().TrimStart('W', '/') == etag);
        }
        return request.Header("If-Modified-Since") is { } since
            && HeaderUtilities.TryParseDate(since, out var date)
            && modified <= date;
    }

    /// <summary>The satisfiable ranges of a <c>Range</c> header: <c>null</c> = no (or a malformed) header, serve it all; empty = 416.</summary>
    internal static List<(long From, long To)>? ParseRanges(string? header, long length)
    {
        if (header is null || !RangeHeaderValue.TryParse(header, out var range)
            || !string.Equals(range.Unit.Value, "bytes", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var result = new List<(long, long)>();
        foreach (var item in range.Ranges)
        {
            long from, to;
            if (item.From is long f)
            {
                if (f >= length)
                {
                    continue;
                }
                from = f;
                to = Math.Min(item.To ?? length - 1, length - 1);
            }
            else if (item.To is long suffix && suffix > 0 && length > 0)
            {
                from = Math.Max(0, length - suffix);
                to = length - 1;
            }
            else
            {
                continue;
            }
            result.Add((from, to));
        }
        return result;
    }

    private static async Task CopyAsync(string path, long offset, long count, Stream destination, CancellationToken cancellationToken)
    {
        using var handle = File.OpenHandle(path, options: FileOptions.Asynchronous | FileOptions.SequentialScan);
        var buffer = new byte[(int)Math.Min(64 * 1024, Math.Max(count, 1))];
        while (count > 0)
        {
            var n = await RandomAccess.ReadAsync(handle, buffer.AsMemory(0, (int)Math.Min(buffer.Length, count)), offset, cancellationToken)
                .ConfigureAwait(false);
            if (n == 0)
            {
                break;   // the file shrank under us: the client sees a short body, not garbage
            }
            await destination.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            offset += n;
            count -= n;
        }
    }
}
