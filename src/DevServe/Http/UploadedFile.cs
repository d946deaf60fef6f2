using DevServe.Internal;
using Microsoft.Win32.SafeHandles;

namespace DevServe;

/// <summary>A file part of a <c>multipart/form-data</c> body.</summary>
/// <remarks>
/// Racket: <c>binding:file</c> and <c>binding:file/port</c>. Small files are held in memory; files above the
/// spooling threshold (<see cref="SafetyLimits.FormDataFileMemoryThreshold"/>) live in a temporary file that is
/// deleted when the last reference to this object is gone, so a request kept by a suspended servlet flow keeps
/// its files readable.
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

    /// <summary>The whole content; a spooled file is read from disk on each call.</summary>
    public byte[] ReadAllBytes()
    {
        if (_spool is null)
        {
            return _memory.ToArray();
        }
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
    public Stream OpenRead() => _spool is null
        ? new MemoryStream(_memory.ToArray(), writable: false)
        : new SpoolReadStream(this, _spool, Length);
}
