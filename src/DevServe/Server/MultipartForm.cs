using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using BadHttpRequestException = Microsoft.AspNetCore.Http.BadHttpRequestException;

namespace DevServe.Internal;

/// <summary>Reads a <c>multipart/form-data</c> body into bindings within the form limits, spooling large files.</summary>
/// <remarks>Racket: <c>read-mime-multipart</c> in http/multipart.rkt with the <c>max-form-data-*</c> limits; violations are 413, not a silent close.</remarks>
internal static class MultipartForm
{
    private const int MaxBoundaryLength = 140;   // Racket's hard-coded bound
    private const int MaxPartHeaders = 20;       // likewise

    public static async Task<Binding[]> ReadAsync(Stream body, string contentType, SafetyLimits limits, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media)
            || HeaderUtilities.RemoveQuotes(media.Boundary).Value is not { Length: > 0 and <= MaxBoundaryLength } boundary)
        {
            throw Bad(400, "The multipart/form-data body has no valid boundary.");
        }
        var reader = new MultipartReader(boundary, body)
        {
            HeadersCountLimit = MaxPartHeaders,
            HeadersLengthLimit = MaxPartHeaders * limits.MaxFormDataHeaderLength,
        };
        var bindings = new List<Binding>();
        try
        {
            return await ReadPartsAsync(reader, bindings, limits, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            // The multipart reader's limits and syntax, in a section's headers or in a part's boundary line.
            Release(bindings);
            throw Bad(e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase) ? 413 : 400, "Malformed multipart body: " + e.Message);
        }
        catch (IOException e) when (e.GetType() == typeof(IOException) && e.InnerException is null)
        {
            // The multipart reader's own complaint (a part cut off before its boundary), not a failing connection.
            Release(bindings);
            throw Bad(400, "Malformed multipart body: " + e.Message);
        }
        catch
        {
            Release(bindings);
            throw;
        }
    }

    // A body that fails halfway leaves no spooled file behind.
    private static void Release(List<Binding> bindings)
    {
        foreach (var binding in bindings)
        {
            binding.File?.Release();
        }
    }

    private static async Task<Binding[]> ReadPartsAsync(MultipartReader reader, List<Binding> bindings, SafetyLimits limits,
        CancellationToken cancellationToken)
    {
        int fields = 0, files = 0;
        while (true)
        {
            var section = await reader.ReadNextSectionAsync(cancellationToken).ConfigureAwait(false);
            if (section is null)
            {
                return [.. bindings];
            }
            if (bindings.Count == limits.MaxFormDataParts)
            {
                throw Bad(413, $"The form has more than {limits.MaxFormDataParts} parts.");
            }
            var headers = new List<Header>();
            foreach (var (field, values) in section.Headers ?? [])
            {
                foreach (var value in values)
                {
                    if (field.Length + 2 + (value?.Length ?? 0) > limits.MaxFormDataHeaderLength)
                    {
                        throw Bad(413, $"A form part header is longer than {limits.MaxFormDataHeaderLength} bytes.");
                    }
                    headers.Add(new Header(field, value ?? ""));
                }
            }
            var disposition = ContentDisposition.Parse(section.ContentDisposition);
            var name = disposition.GetValueOrDefault("name") ?? "";
            if (disposition.TryGetValue("filename", out var fileName))
            {
                if (++files > limits.MaxFormDataFiles)
                {
                    throw Bad(413, $"The form has more than {limits.MaxFormDataFiles} files.");
                }
                var file = await ReadFileAsync(section.Body, name, fileName, headers, limits, cancellationToken).ConfigureAwait(false);
                bindings.Add(new Binding(name, fileName, file));
            }
            else
            {
                if (++fields > limits.MaxFormDataFields)
                {
                    throw Bad(413, $"The form has more than {limits.MaxFormDataFields} fields.");
                }
                var bytes = await ReadFieldAsync(section.Body, limits.MaxFormDataFieldLength, cancellationToken).ConfigureAwait(false);
                bindings.Add(new Binding(name, Encoding.UTF8.GetString(bytes.Span)));
            }
        }
    }

    private static async Task<UploadedFile> ReadFileAsync(Stream part, string name, string fileName, List<Header> headers,
        SafetyLimits limits, CancellationToken cancellationToken)
    {
        var threshold = (int)Math.Min(limits.FormDataFileMemoryThreshold, Math.Min(limits.MaxFormDataFileLength, int.MaxValue - 1));
        var head = await ReadUpToAsync(part, threshold + 1, cancellationToken).ConfigureAwait(false);
        if (head.Length <= threshold)
        {
            return new UploadedFile(name, fileName, headers, head);
        }
        // Too big for memory: the file is deleted when its handle closes, i.e. when the upload is collected.
        var path = Path.Combine(Path.GetTempPath(), "devserve-upload-" + Guid.NewGuid().ToString("N"));
        var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.DeleteOnClose);
        try
        {
            var length = 0L;
            var chunk = head;
            var buffer = new byte[81920];
            do
            {
                if (length + chunk.Length > limits.MaxFormDataFileLength)
                {
                    throw Bad(413, $"An uploaded file is longer than {limits.MaxFormDataFileLength} bytes.");
                }
                await RandomAccess.WriteAsync(handle, chunk, length, cancellationToken).ConfigureAwait(false);
                length += chunk.Length;
                chunk = buffer.AsMemory(0, await part.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));
            }
            while (!chunk.IsEmpty);
            return new UploadedFile(name, fileName, headers, handle, length);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static async Task<ReadOnlyMemory<byte>> ReadFieldAsync(Stream part, int limit, CancellationToken cancellationToken)
    {
        var bytes = await ReadUpToAsync(part, limit + 1, cancellationToken).ConfigureAwait(false);
        return bytes.Length > limit ? throw Bad(413, $"A form field is longer than {limit} bytes.") : bytes;
    }

    // Reads until the part ends or `max` bytes are in; a result of `max` bytes means the part may go on.
    private static async Task<ReadOnlyMemory<byte>> ReadUpToAsync(Stream part, int max, CancellationToken cancellationToken)
    {
        var buffer = new byte[Math.Min(max, 16 * 1024)];
        var length = 0;
        while (length < max)
        {
            if (length == buffer.Length)
            {
                Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, max));
            }
            var n = await part.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }
            length += n;
        }
        return buffer.AsMemory(0, length);
    }

    private static BadHttpRequestException Bad(int code, string message) => new(message, code);
}
