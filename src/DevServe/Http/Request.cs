namespace DevServe;

/// <summary>An HTTP request, immutable to its readers, copied out of the server so it can outlive the connection.</summary>
/// <remarks>
/// Racket: <c>request</c> in http/request-structs.rkt. A suspended servlet flow may keep a request for minutes and
/// replay feeds recorded requests back to a servlet, so nothing here points into Kestrel's pooled objects.
/// </remarks>
public sealed class Request
{
    private IReadOnlyList<Cookie>? _cookies;
    private string? _path;

    /// <summary>Creates a request (the server builds them; tests and request transformations may too).</summary>
    public Request(string method, Uri uri, IReadOnlyList<Header> headers, Bindings bindings,
        ReadOnlyMemory<byte>? postData, string hostIp, int hostPort, string clientIp)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(uri);
        if (!uri.IsAbsoluteUri)
        {
            throw new ArgumentException("A request URI is absolute.", nameof(uri));
        }
        Method = method;
        Uri = uri;
        Headers = headers ?? throw new ArgumentNullException(nameof(headers));
        Bindings = bindings ?? throw new ArgumentNullException(nameof(bindings));
        PostData = postData;
        HostIp = hostIp;
        HostPort = hostPort;
        ClientIp = clientIp;
    }

    /// <summary>The request method, as sent (normally upper case).</summary>
    public string Method { get; init; }

    private Uri? _uri;
    private string? _uriText;

    /// <summary>The absolute request URI: scheme, host, port, path (still percent-encoded) and query.</summary>
    public Uri Uri
    {
        // A kept request (Compact) parses its URI again when asked; two threads asking at once get equal ones.
        get => Volatile.Read(ref _uri) ?? (_uri = new Uri(Volatile.Read(ref _uriText)!, UriKind.Absolute));
        init => _uri = value;
    }

    /// <summary>
    /// Keeps this request smaller once its flow has moved on and only a replay log (or a suspended frame) keeps it:
    /// its URI as text (a parsed <see cref="System.Uri"/> with the parts it caches is ~250 B more), no cached path or
    /// cookies. Nothing that reads it can tell, and it can be read meanwhile.
    /// </summary>
    internal void Compact()
    {
        if (Volatile.Read(ref _uri) is { } uri)
        {
            Volatile.Write(ref _uriText, uri.OriginalString);
            Volatile.Write(ref _uri, null);   // after the text: a reader that sees no Uri sees the text
        }
        _path = null;
        _cookies = null;
    }

    /// <summary>The request headers, in the order received.</summary>
    public IReadOnlyList<Header> Headers { get; init; }

    /// <summary>Query string and form bindings, in order.</summary>
    public Bindings Bindings { get; init; }

    /// <summary>The raw body, or <c>null</c> when the request had none (or it was <c>multipart/form-data</c>).</summary>
    public ReadOnlyMemory<byte>? PostData { get; init; }

    /// <summary>The server address the request arrived on.</summary>
    public string HostIp { get; init; }

    /// <summary>The server port the request arrived on.</summary>
    public int HostPort { get; init; }

    /// <summary>The client's address.</summary>
    public string ClientIp { get; init; }

    /// <summary>The protocol of the request line, for example <c>HTTP/1.1</c>.</summary>
    public string Protocol { get; init; } = "HTTP/1.1";

    /// <summary>
    /// Set once a servlet received this request: its flow (the back button, <c>RedirectGet</c>, replay) may read the
    /// request's uploads after it has been answered, so their spooled files live as long as the request does.
    /// </summary>
    internal bool UploadsKept { get; set; }

    /// <summary>Set on a request made by <see cref="Conversation.Retry"/>: its conversation, to replay on the new code first.</summary>
    internal Conversation? Retrying { get; init; }

    /// <summary>Cancelled when the client goes away or the server stops at once; pass it to long work.</summary>
    public CancellationToken Aborted { get; init; }

    /// <summary>
    /// The decoded path without query, path parameters or empty and "." segments: what every dispatcher that decides
    /// by path (<c>Filter</c>, <c>Passwords</c>, <c>PathProcedure</c>, a servlet's regexp) matches, the same path the
    /// files and servlets dispatchers resolve. "//secret/" is "/secret/".
    /// </summary>
    /// <remarks>Computed once: every filter of a sequencer asks for it.</remarks>
    public string Path => _path ??= Internal.UrlPath.Decoded(Uri);

    /// <summary>The value of the first header named <paramref name="field"/> (case-insensitive), or <c>null</c>.</summary>
    /// <remarks>Racket: <c>headers-assq*</c>.</remarks>
    public string? Header(string field)
    {
        // By index: a foreach over the interface would allocate an enumerator per call.
        var headers = Headers;
        for (var i = 0; i < headers.Count; i++)
        {
            var header = headers[i];
            if (string.Equals(header.Field, field, StringComparison.OrdinalIgnoreCase))
            {
                return header.Value;
            }
        }
        return null;
    }

    /// <summary>The cookies the client sent (Racket: <c>request-cookies</c>).</summary>
    public IReadOnlyList<Cookie> Cookies => _cookies ??= Cookie.Parse(Headers);

    private long _retainedBytes = -1;

    /// <summary>
    /// Roughly what keeping this request costs the heap (a flow's replay log keeps it): its URL, its body, and the
    /// headers it does not share with an earlier request (<see cref="ShareHeadersWith(Request)"/>).
    /// </summary>
    internal long RetainedBytes
    {
        get
        {
            if (_retainedBytes < 0)
            {
                _retainedBytes = CountRetainedBytes(null);
            }
            return _retainedBytes;
        }
    }

    /// <summary>
    /// Makes each header equal to <paramref name="earlier"/>'s at the same position the very same object: a browser
    /// sends the same dozen headers with every request of a conversation, and a log (or the continuations whose
    /// locals hold the requests) that keeps them all keeps them once. Headers are records, so nothing that reads them
    /// can tell. Changes the array the server made, before any servlet code sees this request (a replay log steps
    /// each request once; a resumption shares with the headers its continuation was fed).
    /// </summary>
    internal void ShareHeadersWith(Request earlier) => ShareHeadersWith(earlier.Headers);

    /// <inheritdoc cref="ShareHeadersWith(Request)"/>
    /// <returns>Whether every header is now <paramref name="earlier"/>'s own, and there are as many.</returns>
    internal bool ShareHeadersWith(IReadOnlyList<Header> earlier)
    {
        if (Headers is not Header[] mine || earlier is not { } theirs)
        {
            return false;
        }
        var all = mine.Length == theirs.Count;
        for (var i = 0; i < mine.Length && i < theirs.Count; i++)
        {
            if (!ReferenceEquals(mine[i], theirs[i]))
            {
                if (mine[i].Equals(theirs[i]))
                {
                    mine[i] = theirs[i];
                }
                else
                {
                    all = false;
                }
            }
        }
        _retainedBytes = CountRetainedBytes(theirs);
        return all;
    }

    private long CountRetainedBytes(IReadOnlyList<Header>? earlier)
    {
        // The URI's text, without parsing it again if this request was made compact.
        var uriText = Volatile.Read(ref _uri)?.OriginalString ?? Volatile.Read(ref _uriText)!;
        long bytes = 2L * uriText.Length + (PostData?.Length ?? 0) + 8L * Headers.Count;
        for (var i = 0; i < Headers.Count; i++)
        {
            var header = Headers[i];
            if (earlier is null || i >= earlier.Count || !ReferenceEquals(header, earlier[i]))
            {
                bytes += 48 + 2L * (header.Field.Length + header.Value.Length);
            }
        }
        return bytes;
    }
}
