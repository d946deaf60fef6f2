using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using BadHttpRequestException = Microsoft.AspNetCore.Http.BadHttpRequestException;

namespace DevServe.Internal;

/// <summary>Copies a Kestrel request into an immutable <see cref="Request"/>, enforcing the safety limits.</summary>
/// <remarks>Racket: <c>read-request</c> in http/request.rkt. Violations throw <see cref="BadHttpRequestException"/> with the status to send.</remarks>
internal static class RequestReader
{
    public static async ValueTask<Request> ReadAsync(HttpContext context, SafetyLimits limits, bool https)
    {
        var http = context.Request;
        var headers = CopyHeaders(http.Headers, limits);
        var uri = BuildUri(context, https);
        var connection = context.Connection;

        ReadOnlyMemory<byte>? postData = null;
        ReadOnlyMemory<byte> form = default;
        Binding[]? parts = null;
        var bodyDetection = context.Features.Get<IHttpRequestBodyDetectionFeature>();
        if (bodyDetection?.CanHaveBody ?? http.ContentLength > 0)
        {
            var contentType = http.ContentType;
            if (contentType is not null && contentType.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            {
                SetBodyLimit(context, null);
                parts = await MultipartForm.ReadAsync(http.Body, contentType, limits, context.RequestAborted).ConfigureAwait(false);
            }
            else
            {
                var body = await ReadBodyAsync(http, limits.MaxRequestBodyLength, context.RequestAborted).ConfigureAwait(false);
                postData = body;
                if (contentType is not null
                    && contentType.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase)
                    && !HttpMethods.IsGet(http.Method) && !HttpMethods.IsHead(http.Method))
                {
                    form = body;
                }
            }
        }

        var query = uri.Query;
        var bindings = query.Length <= 1 && form.IsEmpty && parts is null
            ? Bindings.Empty
            : new Bindings(query.Length > 1 ? query[1..] : null, form, parts);
        return new Request(http.Method, uri, headers, bindings, postData,
            Address(connection.LocalIpAddress), connection.LocalPort, Address(connection.RemoteIpAddress))
        {
            Aborted = context.RequestAborted,
            Protocol = http.Protocol,
        };
    }

    private static Header[] CopyHeaders(IHeaderDictionary source, SafetyLimits limits)
    {
        var headers = new Header[source.Count];
        var i = 0;
        foreach (var (field, values) in source)
        {
            foreach (var value in values)
            {
                // Kestrel bounds the total; Racket bounds each line ("name: value").
                if (field.Length + 2 + (value?.Length ?? 0) > limits.MaxRequestHeaderLength)
                {
                    throw new BadHttpRequestException($"The header {field} is longer than {limits.MaxRequestHeaderLength} bytes.",
                        StatusCodes.Status431RequestHeaderFieldsTooLarge);
                }
                if (i == headers.Length)
                {
                    Array.Resize(ref headers, headers.Length * 2);
                }
                headers[i++] = new Header(field, value ?? "");
            }
        }
        return i == headers.Length ? headers : headers[..i];
    }

    private static Uri BuildUri(HttpContext context, bool https)
    {
        var target = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        string text;
        if (target.StartsWith('/'))
        {
            var host = context.Request.Host;
            var authority = host.HasValue ? host.Value : Authority(context.Connection.LocalIpAddress, context.Connection.LocalPort);
            text = string.Concat(https ? "https://" : "http://", authority, target);
        }
        else if (target.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || target.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            text = target;
        }
        else
        {
            // "OPTIONS *" and authority-form targets name no path; give them the root.
            text = string.Concat(https ? "https://" : "http://", Authority(context.Connection.LocalIpAddress, context.Connection.LocalPort), "/");
        }
        return Uri.TryCreate(text, UriKind.Absolute, out var uri)
            ? uri
            : throw new BadHttpRequestException("The request target is not a valid URL.", StatusCodes.Status400BadRequest);
    }

    private static string Authority(IPAddress? address, int port) => address switch
    {
        null => "localhost:" + port,
        { AddressFamily: System.Net.Sockets.AddressFamily.InterNetworkV6 } a when !a.IsIPv4MappedToIPv6 => $"[{a}]:{port}",
        var a => Address(a) + ":" + port,
    };

    private static string Address(IPAddress? address) => address is null ? ""
        : address.IsIPv4MappedToIPv6 ? address.MapToIPv4().ToString() : address.ToString();

    private static void SetBodyLimit(HttpContext context, long? limit)
    {
        // Multipart bodies are bounded by the form limits instead (Racket does not apply the body limit to them).
        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false })
        {
            feature.MaxRequestBodySize = limit;
        }
    }

    private static async ValueTask<byte[]> ReadBodyAsync(HttpRequest http, long limit, CancellationToken cancellationToken)
    {
        if (http.ContentLength is long length)
        {
            if (length > limit)
            {
                throw new BadHttpRequestException($"The body is longer than {limit} bytes.", StatusCodes.Status413PayloadTooLarge);
            }
            var exact = new byte[length];
            await http.Body.ReadExactlyAsync(exact, cancellationToken).ConfigureAwait(false);
            return exact;
        }
        // Chunked: Kestrel's MaxRequestBodySize (set to the same limit) stops it with a 413.
        using var buffer = new MemoryStream();
        await http.Body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }
}
