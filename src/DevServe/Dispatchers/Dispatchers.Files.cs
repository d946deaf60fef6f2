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
        var fullRoot = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        var cache = new SmallFileCache();
        return request =>
        {
            // A URL carrying a continuation belongs to the servlet, always (Racket's servlet dispatcher): "/;k=..." maps to
            // the root directory, whose slash redirect would otherwise take it.
            if (request.Method is not ("GET" or "HEAD") || UrlPath.CarriesContinuation(request.Uri)
                || FilesystemMap.UrlToPath(fullRoot, request.Uri, allowDotFiles, allowLinksOutsideRoot, rootIsFull: true) is not { } path)
            {
                return NextDispatcher;
            }
            // One stat tells a file (its length and time too) from a directory or nothing.
            var file = new FileInfo(path);
            if (!file.Exists)
            {
                if (!Directory.Exists(path))
                {
                    return NextDispatcher;
                }
                if (!request.Uri.AbsolutePath.EndsWith('/'))
                {
                    // Never "//host/": a Location starting with two slashes sends the browser to another site.
                    return new(Response.RedirectTo(UrlPath.WithoutEmptySegments(request.Uri.AbsolutePath) + "/" + request.Uri.Query,
                        RedirectionStatus.Temporarily));
                }
                file = index.Select(i => new FileInfo(Path.Join(path, i))).FirstOrDefault(f => f.Exists)!;
                // The index file is a link of its own, checked like every other step of the path.
                if (file is null || (!allowLinksOutsideRoot && !FilesystemMap.StaysInside(fullRoot, file.FullName)))
                {
                    return NextDispatcher;
                }
            }
            return FileResponse(request, file, mime(file.FullName), pathToHeaders?.Invoke(file.FullName), cacheControl, cache) is { } response
                ? new(response)
                : NextDispatcher;   // not readable
        };
    }

    // Null when the file cannot be opened (no permission, or gone since the stat): the next dispatcher answers.
    private static Response? FileResponse(Request request, FileInfo file, string? mime, IEnumerable<Header>? extra, string? cacheControl,
        SmallFileCache cache)
    {
        // A file that is itself a link (inside the root: checked) is answered with what it links to.
        var stat = file;
        if (file.Attributes.HasFlag(FileAttributes.ReparsePoint))
        {
            if (file.ResolveLinkTarget(returnFinalTarget: true) is not FileInfo { Exists: true } target)
            {
                return null;
            }
            stat = target;
        }
        var length = stat.Length;
        var written = stat.LastWriteTimeUtc;
        var mode = OperatingSystem.IsWindows() ? default : stat.UnixFileMode;
        var modified = new DateTimeOffset(written.Ticks - written.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
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
        // Range is defined for GET only (RFC 9110 §14.2): a HEAD gets the whole file's headers, and nothing is opened for it.
        var ranges = request.Method == "HEAD" ? null : ParseRanges(request.Header("Range"), length);
        if (ranges is { Count: 0 })
        {
            headers.Add(new("Content-Range", $"bytes */{length}"));
            headers.Add(new("Content-Length", "0"));
            return new Response { Code = 416, Message = Response.StatusMessage(416), Seconds = modified, Mime = null, Headers = headers };
        }
        if (request.Method == "HEAD")
        {
            headers.Add(new("Content-Length", length.ToString(CultureInfo.InvariantCulture)));
            return new Response { Seconds = modified, Mime = mime, Headers = headers };
        }
        if (ranges is null && cache.Find(file.FullName, length, written, mode) is { } cached)
        {
            return Response.WithKnownBody(200, "OK", modified, mime, headers, cached);
        }
        // The one open of this request: a file that cannot be read is passed on, as if it were not there.
        Microsoft.Win32.SafeHandles.SafeFileHandle handle;
        try
        {
#pragma warning disable CA2000 // the response's Output owns it: SendAsync closes it once the body is out
            handle = File.OpenHandle(file.FullName, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
#pragma warning restore CA2000
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        if (ranges is null)
        {
            if (length <= SmallFileCache.MaxFileBytes && ReadAll(handle, length) is { } bytes)
            {
                handle.Dispose();
                cache.Add(file.FullName, length, written, mode, bytes);
                return Response.WithKnownBody(200, "OK", modified, mime, headers, bytes);
            }
            // Large, or it changed while read: sent as it is now, its length checked by the server as it goes.
            headers.Add(new("Content-Length", length.ToString(CultureInfo.InvariantCulture)));
            return new Response { Seconds = modified, Mime = mime, Headers = headers, Output = s => SendAsync(handle, [(0, length - 1)], s, request.Aborted) };
        }
        if (ranges.Count == 1)
        {
            var (from, to) = ranges[0];
            headers.Add(new("Content-Range", $"bytes {from}-{to}/{length}"));
            headers.Add(new("Content-Length", (to - from + 1).ToString(CultureInfo.InvariantCulture)));
            return new Response
            {
                Code = 206, Message = Response.StatusMessage(206), Seconds = modified, Mime = mime, Headers = headers,
                Output = s => SendAsync(handle, ranges, s, request.Aborted),
            };
        }
        var boundary = Guid.NewGuid().ToString("N");
        var heads = ranges.Select(r => System.Text.Encoding.ASCII.GetBytes(
            $"\r\n--{boundary}\r\n{(mime is null ? "" : $"Content-Type: {mime}\r\n")}Content-Range: bytes {r.From}-{r.To}/{length}\r\n\r\n")).ToArray();
        var tail = System.Text.Encoding.ASCII.GetBytes($"\r\n--{boundary}--\r\n");
        var total = ranges.Select((r, i) => heads[i].Length + r.To - r.From + 1).Sum() + tail.Length;
        headers.Add(new("Content-Length", total.ToString(CultureInfo.InvariantCulture)));
        return new Response
        {
            Code = 206, Message = Response.StatusMessage(206), Seconds = modified, Mime = "multipart/byteranges; boundary=" + boundary,
            Headers = headers,
            Output = s => SendAsync(handle, ranges, s, request.Aborted, heads, tail),
        };
    }

    // A small file read at once (the page cache answers): the server writes it with its headers in one go. Null when
    // it is no longer the length the stat said (being written now): never a cut-off body that looks complete.
    private static byte[]? ReadAll(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long length)
    {
        var bytes = new byte[length];
        var read = 0;
        while (read < bytes.Length && RandomAccess.Read(handle, bytes.AsSpan(read), read) is var n and > 0)
        {
            read += n;
        }
        return read == bytes.Length && RandomAccess.GetLength(handle) == length ? bytes : null;
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

    /// <summary>
    /// Sends <paramref name="ranges"/> of the open file (each after its part head, if any, and <paramref name="tail"/>
    /// last), through one pooled buffer, then closes the file. Reads are synchronous: the page cache answers them, and
    /// an asynchronous read of a regular file is a synchronous one on another thread.
    /// </summary>
    private static async Task SendAsync(Microsoft.Win32.SafeHandles.SafeFileHandle handle, List<(long From, long To)> ranges, Stream destination,
        CancellationToken cancellationToken, byte[][]? heads = null, byte[]? tail = null)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            for (var i = 0; i < ranges.Count; i++)
            {
                if (heads is not null)
                {
                    await destination.WriteAsync(heads[i], cancellationToken).ConfigureAwait(false);
                }
                var (offset, count) = (ranges[i].From, ranges[i].To - ranges[i].From + 1);
                while (count > 0)
                {
                    var n = RandomAccess.Read(handle, buffer.AsSpan(0, (int)Math.Min(buffer.Length, count)), offset);
                    if (n == 0)
                    {
                        break;   // the file shrank under us: the client sees a short body, not garbage
                    }
                    await destination.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                    offset += n;
                    count -= n;
                }
            }
            if (tail is not null)
            {
                await destination.WriteAsync(tail, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            handle.Dispose();
        }
    }
}
