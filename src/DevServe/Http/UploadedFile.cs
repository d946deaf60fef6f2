using DevServe.Internal;
using Microsoft.Win32.SafeHandles;

namespace DevServe;

/// <summary>A file part of a <c>multipart/form-data</c> body.</summary>
/// <remarks>
/// Racket: <c>binding:file</c> and <c>binding:file/port</c>. Small files are held in memory; files above the
/// spooling threshold (<see cref="SafetyLimits.FormDataFileMemoryThreshold"/>) live in a temporary file that is
/// deleted as soon as the request has been answered (or has failed), unless a servlet received the request: its
/// flow may read the file after answering (<c>RedirectGet</c>, the back button), so the file then lives as long as
/// the flow keeps the request.
/// </remarks>
public sealed class UploadedFile
{
    private readonly ReadOnlyMemory<byte> _memory;
    private readonly SafeFileHandle? _spool;

    internal UploadedFile(string name, string fileName, IReadOnlyList<Header> headers, ReadOnlyMemory<byte> memory)
    {
        Name = name;
        FileName = fileName;
        Headers = headers;
        _memory = memory;
        Length = memory.Length;
    }

    internal UploadedFile(string name, string fileName, IReadOnlyList<Header> headers, SafeFileHandle spool, long length)
    {
        Name = name;
        FileName = fileName;
        Headers = headers;
        _spool = spool;
        Length = length;
    }

    /// <summary>Creates an in-memory uploaded file, for tests and request transformations.</summary>
    public static UploadedFile FromBytes(string name, string fileName, IReadOnlyList<Header> headers, ReadOnlyMemory<byte> content)
        => new(name, fileName, headers, content);

    /// <summary>The form field name of the part.</summary>
    public string Name { get; }

    /// <summary>The file name the client sent (<c>filename=</c>).</summary>
    public string FileName { get; }

    /// <summary>The part's own headers (for example its <c>Content-Type</c>).</summary>
    public IReadOnlyList<Header> Headers { get; }

    /// <summary>The file's length in bytes.</summary>
    public long Length { get; }

    /// <summary>Whether the content was spooled to a temporary file rather than held in memory.</summary>
    public bool IsSpooled => _spool is not null;

    /// <summary>Deletes the spooled file, if any (the server calls this when the request has been answered).</summary>
    internal void Release() => _spool?.Dispose();

    private void ThrowIfReleased()
    {
        if (_spool is { IsClosed: true })
        {
            throw new ObjectDisposedException(nameof(UploadedFile),
                $"The upload {FileName} was deleted when its request was answered; a dispatcher that keeps requests copies uploads first.");
        }
    }

    /// <summary>The whole content; a spooled file is read from disk on each call.</summary>
    /// <exception cref="ObjectDisposedException">The file was spooled and its request, not received by a servlet, has been answered.</exception>
    public byte[] ReadAllBytes()
    {
        if (_spool is null)
        {
            return _memory.ToArray();
        }
        ThrowIfReleased();
        var bytes = new byte[Length];
        var read = 0;
        while (read < bytes.Length)
        {
            var n = RandomAccess.Read(_spool, bytes.AsSpan(read), read);
            if (n == 0)
            {
                break;
            }
            read += n;
        }
        return bytes;
    }

    /// <summary>Opens a read-only stream over the content.</summary>
    /// <exception cref="ObjectDisposedException">The file was spooled and its request, not received by a servlet, has been answered.</exception>
    public Stream OpenRead()
    {
        if (_spool is null)
        {
            return new MemoryStream(_memory.ToArray(), writable: false);
        }
        ThrowIfReleased();
        return new SpoolReadStream(this, _spool, Length);
    }
}
