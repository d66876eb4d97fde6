using PcapViz.Model;
using PcapViz.Rendering.Pdf.Layout;

namespace PcapViz.Rendering.Pdf.Report;

/// <summary>The application-layer sections of a PDF: server names, client fingerprints, certificates, HTTP requests.
/// Text from the wire is attacker-controlled: control and bidi characters are shown as \uXXXX (<see cref="Terminal.Safe"/>).</summary>
internal sealed partial class ReportComposer
{
    private static string Wire(string text) => Terminal.Safe(text);

    private void Application(ApplicationResult a)
    {
        if (a.ServerNames.Count == 0 && a.TlsClients.Count == 0 && a.Certificates.Count == 0 && a.HttpRequests.Count == 0) return;
        layout.Add(new Heading("Server names (TLS, QUIC, HTTP)", S.Heading, 80f, OutlineLevel: _sectionLevel));
        var names = a.ServerNames.Take(Top).ToList();
        layout.Add(new Table(
            [Column.Number("#"), new("Server name", 1.6f), new("Source", 0.5f), Column.Number("Count"), Column.Number("Clients"), Column.Number("Servers")],
            names.Select((e, i) => (IReadOnlyList<string>)[Fmt.Int(i + 1), Wire(e.ServerName), e.Source, Fmt.Int(e.Count), e.Clients.CountText, e.Servers.CountText]).ToList(),
            $"Top {Fmt.Int(names.Count)} of {Fmt.Int(a.ServerNames.Count)} server names: TLS and QUIC server names (SNI) and HTTP Host values; server_names.csv lists them all."));

        if (a.TlsClients.Count > 0)
        {
            layout.Add(new Heading("Client fingerprints", S.Heading, 80f, OutlineLevel: _sectionLevel));
            var clients = a.TlsClients.Take(Top).ToList();
            layout.Add(new Table(
                [Column.Number("#"), new("JA4", 1.6f), new("JA3", 1.4f), Column.Number("Hellos"), new("Server names", 1.2f)],
                clients.Select((e, i) => (IReadOnlyList<string>)[Fmt.Int(i + 1), e.Ja4, e.Ja3.Length > 0 ? e.Ja3 : "–", Fmt.Int(e.Hellos),
                    string.Join(", ", e.ServerNames.Items.Take(3).Select(Wire)) + (e.ServerNames.Items.Count > 3 || !e.ServerNames.Complete ? " …" : "")]).ToList(),
                $"Top {Fmt.Int(clients.Count)} of {Fmt.Int(a.TlsClients.Count)} TLS client fingerprints by hellos (analysis.json lists ALPN, versions and clients)."));
        }

        if (a.Certificates.Count > 0)
        {
            layout.Add(new Heading("Certificates", S.Heading, 80f, OutlineLevel: _sectionLevel));
            foreach (var c in a.Certificates.Where(c => c.Signals.Count > 0).Take(Top))
                foreach (string signal in c.Signals)
                    layout.Add(new Paragraph($"{Wire(c.Subject.Length > 0 ? c.Subject : c.Sha256)}: {signal} — {CertificateSignals.Explain(signal)}.", S.Body, PdfStyle.Text, MaxLines: 3));
            var certs = a.Certificates.Take(Top).ToList();
            layout.Add(new Table(
                [Column.Number("#"), new("Subject", 1.6f), new("Valid until", 0.9f), new("Signals", 1f), new("SHA-256 (first 16)", 1f)],
                certs.Select((e, i) => (IReadOnlyList<string>)[Fmt.Int(i + 1), Wire(e.Parsed ? e.Subject : "(not readable)"), e.NotAfterUtc,
                    string.Join(", ", e.Signals), e.Sha256[..Math.Min(16, e.Sha256.Length)]]).ToList(),
                $"Top {Fmt.Int(certs.Count)} of {Fmt.Int(a.Certificates.Count)} certificates sent in the clear (analysis.json has every field)."));
        }

        if (a.HttpRequests.Count > 0)
        {
            layout.Add(new Heading("HTTP requests", S.Heading, 80f, OutlineLevel: _sectionLevel));
            var requests = a.HttpRequests.Take(Top).ToList();
            layout.Add(new Table(
                [Column.Number("#"), new("Host", 1.2f), new("Method", 0.6f), new("Path", 1.6f), Column.Number("Requests"), new("Status", 0.7f)],
                requests.Select((e, i) => (IReadOnlyList<string>)[Fmt.Int(i + 1), Wire(e.Host), Wire(e.Method), Wire(e.Path), Fmt.Int(e.Requests),
                    string.Join(", ", e.Statuses.Select(s => $"{s.Name} {Fmt.Int(s.Count)}"))]).ToList(),
                $"Top {Fmt.Int(requests.Count)} of {Fmt.Int(a.HttpRequests.Count)} HTTP requests (host, method, path) by count."));
        }
    }
}
