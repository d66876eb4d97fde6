using PcapViz.Export;
using System.Security.Cryptography;

namespace PcapViz.Bundle;

/// <summary>One file written into the bundle.</summary>
public sealed record OutputFile(string Path, long SizeBytes, string Sha256);

/// <summary>
/// An <see cref="IOutputSink"/> over a directory. Each file is written under a temporary name and renamed when its
/// stream is disposed; its size and SHA-256 are recorded for the manifest. A write, flush or rename that fails
/// throws, and is also remembered (<see cref="Failures"/>), so a failure an exporter swallowed still stops the
/// bundle from being committed. Thread-safe.
/// </summary>
public sealed class DirectorySink(string root) : IOutputSink
{
    private readonly Dictionary<string, OutputFile> _files = new(StringComparer.Ordinal);
    private readonly List<string> _failures = [];
    private readonly Lock _lock = new();

    internal string Root { get; } = Path.GetFullPath(root);

    /// <summary>Every file written so far, sorted by path.</summary>
    internal IReadOnlyList<OutputFile> Files
    {
        get
        {
            lock (_lock) return _files.Values.OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>Every write that failed ("path: reason"), in the order they happened.</summary>
    internal IReadOnlyList<string> Failures
    {
        get
        {
            lock (_lock) return _failures.ToList();
        }
    }

    /// <summary>
    /// A view of this sink that remembers the files written through it, so that they can be discarded together
    /// (<see cref="SinkScope.Discard"/>) when the writer fails half-way. Scopes are passed explicitly to the writer.
    /// </summary>
    internal SinkScope Scope() => new(this);

    /// <inheritdoc />
    public Stream Create(string relativePath) => Create(relativePath, null);

    internal Stream Create(string relativePath, SinkScope? scope)
    {
        string full = Resolve(relativePath);
        scope?.Add(relativePath);
        FileStream file;
        string temp = full + ".partial";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Fail(relativePath, ex.Message);
            throw;
        }
        return new RecordingStream(file, relativePath, hash =>
        {
            File.Move(temp, full, overwrite: true);
            lock (_lock) _files[relativePath] = new OutputFile(relativePath, new FileInfo(full).Length, hash);
        }, reason =>
        {
            Fail(relativePath, reason);
            TryDeleteFile(temp);
        });
    }

    /// <summary>
    /// Copies a file from an earlier bundle, checking on the way that its SHA-256 is still the one that bundle's
    /// manifest recorded. Returns false (nothing written) when the source is missing, unreadable or altered;
    /// a failure to write the copy is a write failure (recorded, and thrown).
    /// </summary>
    internal bool TryCopy(string sourceFullPath, string relativePath, string expectedSha256) => TryCopy(sourceFullPath, relativePath, expectedSha256, null);

    internal bool TryCopy(string sourceFullPath, string relativePath, string expectedSha256, SinkScope? scope)
    {
        string full = Resolve(relativePath);
        string temp = full + ".partial";
        FileStream source;
        try
        {
            // Never follow a link planted in the old bundle: only a regular file is carried.
            var info = new FileInfo(sourceFullPath);
            if (!info.Exists || info.LinkTarget is not null) return false;
            source = new FileStream(sourceFullPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        string hash;
        using (source)
        {
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                using var target = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
                using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buffer = new byte[1 << 16];
                while (true)
                {
                    int n;
                    try
                    {
                        n = source.Read(buffer);
                    }
                    catch (IOException)
                    {
                        target.Dispose();
                        TryDeleteFile(temp);
                        return false;
                    }
                    if (n == 0) break;
                    sha.AppendData(buffer, 0, n);
                    target.Write(buffer, 0, n);
                }
                target.Flush();
                hash = Convert.ToHexStringLower(sha.GetHashAndReset());
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Fail(relativePath, ex.Message);
                TryDeleteFile(temp);
                throw;
            }
        }
        if (hash != expectedSha256)
        {
            TryDeleteFile(temp);
            return false;
        }
        File.Move(temp, full, overwrite: true);
        scope?.Add(relativePath);
        lock (_lock) _files[relativePath] = new OutputFile(relativePath, new FileInfo(full).Length, hash);
        return true;
    }

    internal void Remove(string relativePath)
    {
        lock (_lock) _files.Remove(relativePath);
        string full = Resolve(relativePath);
        TryDeleteFile(full);
        TryDeleteFile(full + ".partial");
    }

    internal string Resolve(string relativePath)
    {
        if (relativePath.Length == 0 || Path.IsPathRooted(relativePath) || relativePath.Split('/').Any(p => p is "" or "." or ".."))
            throw new ArgumentException($"Output path '{relativePath}' is not a plain relative path.", nameof(relativePath));
        return Path.Combine(Root, relativePath.Replace('/', Path.DirectorySeparatorChar));
    }

    private void Fail(string relativePath, string reason)
    {
        lock (_lock) _failures.Add($"{relativePath}: {reason}");
    }

    private static void TryDeleteFile(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Staging is removed as a whole when the run fails; a leftover temporary file is harmless there.
        }
    }

    /// <summary>Hashes while writing; commits (renames) on a clean dispose, deletes the temporary file otherwise.</summary>
    private sealed class RecordingStream(FileStream inner, string relativePath, Action<string> commit, Action<string> abort) : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private string? _failure;
        private bool _disposed;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override void Flush() => Guard(() => inner.Flush());
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
            catch (Exception ex)
            {
                _failure ??= ex.Message;
                throw;
            }
        }

        private void Guard(Action action)
        {
            try
            {
                action();
            }
            catch (Exception ex)
            {
                _failure ??= ex.Message;
                throw;
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_disposed)
            {
                _disposed = true;
                bool thrownAlready = _failure is not null;
                try
                {
                    inner.Flush(flushToDisk: false);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    _failure ??= ex.Message;
                }
                try
                {
                    inner.Dispose();
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    _failure ??= ex.Message;
                }
                string hash = Convert.ToHexStringLower(_hash.GetHashAndReset());
                _hash.Dispose();
                if (_failure is null)
                {
                    try
                    {
                        commit(hash);
                    }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                    {
                        _failure = ex.Message;
                        thrownAlready = false;
                    }
                }
                if (_failure is not null)
                {
                    abort(_failure);
                    // A failure the writer has not seen yet (the last buffer flushed on dispose: disk full) must not
                    // pass silently: the file is missing, so the bundle is incomplete.
                    if (!thrownAlready) throw new IOException($"Writing '{relativePath}' failed: {_failure}");
                }
            }
            base.Dispose(disposing);
        }
    }
}

/// <summary>
/// The files one writer (an exporter for one capture, a carry-over of earlier files) put into a
/// <see cref="DirectorySink"/>: <see cref="Discard"/> removes all of them when the writer failed half-way.
/// </summary>
public sealed class SinkScope : IOutputSink
{
    private readonly DirectorySink _sink;
    private readonly List<string> _created = [];
    private readonly Lock _lock = new();

    internal SinkScope(DirectorySink sink) => _sink = sink;

    /// <inheritdoc />
    public Stream Create(string relativePath) => _sink.Create(relativePath, this);

    /// <inheritdoc cref="DirectorySink.TryCopy(string, string, string)"/>
    internal bool TryCopy(string sourceFullPath, string relativePath, string expectedSha256) =>
        _sink.TryCopy(sourceFullPath, relativePath, expectedSha256, this);

    internal void Add(string relativePath)
    {
        lock (_lock) _created.Add(relativePath);
    }

    /// <summary>Removes every file written through this scope (from disk and from the sink's record).</summary>
    internal void Discard()
    {
        List<string> created;
        lock (_lock)
        {
            created = [.. _created];
            _created.Clear();
        }
        foreach (string path in created) _sink.Remove(path);
    }
}
