using PcapViz.Export;
using PcapViz.Orchestration;
using System.Security.Cryptography;

namespace PcapViz.Bundle;

/// <summary>One file written into the bundle.</summary>
public sealed record OutputFile(string Path, long SizeBytes, string Sha256);

/// <summary>
/// An <see cref="IOutputSink"/> over a directory. Each file is written under a temporary name and renamed when its
/// stream is disposed; its size and SHA-256 are recorded for the manifest. Thread-safe.
/// </summary>
public sealed class DirectorySink(string root) : IOutputSink
{
    private readonly Dictionary<string, OutputFile> _files = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public string Root { get; } = Path.GetFullPath(root);

    /// <summary>Every file written so far, sorted by path.</summary>
    public IReadOnlyList<OutputFile> Files
    {
        get
        {
            lock (_lock) return _files.Values.OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
        }
    }

    [ThreadStatic]
    private static List<string>? t_scope;

    /// <summary>
    /// Runs <paramref name="write"/>; when it throws, every file it created is removed again (from disk and from
    /// the record), so a failing exporter leaves nothing half-written behind, and the exception propagates.
    /// </summary>
    public void Atomically(Action write)
    {
        var outer = t_scope;
        var created = new List<string>();
        t_scope = created;
        try
        {
            write();
        }
        catch
        {
            foreach (string path in created)
            {
                lock (_lock) _files.Remove(path);
                string full = Resolve(path);
                File.Delete(full);
                File.Delete(full + ".partial");
            }
            throw;
        }
        finally
        {
            t_scope = outer;
            outer?.AddRange(created);
        }
    }

    public Stream Create(string relativePath)
    {
        string full = Resolve(relativePath);
        t_scope?.Add(relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temp = full + ".partial";
        var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        return new RecordingStream(file, hash =>
        {
            File.Move(temp, full, overwrite: true);
            lock (_lock) _files[relativePath] = new OutputFile(relativePath, new FileInfo(full).Length, hash);
        }, () => File.Delete(temp));
    }

    /// <summary>
    /// Copies a file from an earlier bundle, checking on the way that its SHA-256 is still the one that bundle's
    /// manifest recorded; a file that was altered since is not carried over (false, nothing written).
    /// </summary>
    public bool TryCopy(string sourceFullPath, string relativePath, string expectedSha256)
    {
        string full = Resolve(relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temp = full + ".partial";
        string hash;
        try
        {
            using (var source = new FileStream(sourceFullPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
            using (var target = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            using (var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                var buffer = new byte[1 << 16];
                int n;
                while ((n = source.Read(buffer)) > 0)
                {
                    sha.AppendData(buffer, 0, n);
                    target.Write(buffer, 0, n);
                }
                hash = Convert.ToHexStringLower(sha.GetHashAndReset());
            }
        }
        catch (IOException)
        {
            File.Delete(temp);
            return false;
        }
        if (hash != expectedSha256)
        {
            File.Delete(temp);
            return false;
        }
        File.Move(temp, full, overwrite: true);
        t_scope?.Add(relativePath);
        lock (_lock) _files[relativePath] = new OutputFile(relativePath, new FileInfo(full).Length, hash);
        return true;
    }

    /// <summary>Records a file that was copied in by other means (reused from an earlier bundle).</summary>
    public void Record(string relativePath)
    {
        string full = Resolve(relativePath);
        using var stream = File.OpenRead(full);
        string hash = Convert.ToHexStringLower(SHA256.HashData(stream));
        lock (_lock) _files[relativePath] = new OutputFile(relativePath, stream.Length, hash);
    }

    public string Resolve(string relativePath)
    {
        if (relativePath.Length == 0 || Path.IsPathRooted(relativePath) || relativePath.Split('/').Any(p => p is "" or "." or ".."))
            throw new ArgumentException($"Output path '{relativePath}' is not a plain relative path.", nameof(relativePath));
        return Path.Combine(Root, relativePath.Replace('/', Path.DirectorySeparatorChar));
    }

    /// <summary>Hashes while writing; commits (renames) on a clean dispose, deletes the temporary file otherwise.</summary>
    private sealed class RecordingStream(FileStream inner, Action<string> commit, Action abort) : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private bool _failed;
        private bool _disposed;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            try
            {
                inner.Write(buffer);
                _hash.AppendData(buffer);
            }
            catch
            {
                _failed = true;
                throw;
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_disposed)
            {
                _disposed = true;
                bool ok = !_failed;
                try
                {
                    inner.Flush(flushToDisk: false);
                }
                catch
                {
                    ok = false;
                }
                inner.Dispose();
                string hash = Convert.ToHexStringLower(_hash.GetHashAndReset());
                _hash.Dispose();
                if (ok) commit(hash);
                else abort();
            }
            base.Dispose(disposing);
        }
    }
}
