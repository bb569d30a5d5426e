using System.Security.Cryptography;

namespace Research.Core.Training;

/// <summary>
/// A write-only pass-through stream that hashes (SHA-256) every byte it forwards, so a checkpoint can carry
/// the digest of its own content in one streaming pass, without buffering hundreds of MB in memory.
/// </summary>
internal sealed class HashingWriteStream : Stream
{
    private readonly Stream _inner;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _written;

    public HashingWriteStream(Stream inner) => _inner = inner;

    /// <summary>Digest of everything written so far (the hash keeps running).</summary>
    public byte[] CurrentHash() => _hash.GetCurrentHash();

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _written;
    public override long Position { get => _written; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _hash.AppendData(buffer);
        _inner.Write(buffer);
        _written += buffer.Length;
    }

    public override void WriteByte(byte value) => Write(new[] { value });
    public override void Flush() => _inner.Flush();
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _hash.Dispose();
        base.Dispose(disposing);
    }
}
