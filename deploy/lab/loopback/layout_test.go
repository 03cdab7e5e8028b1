package loopback

import "testing"

func TestLayout(t *testing.T) {
	t.Parallel()
	l := Default([]string{"us-east-1", "us-west-2", "ap-northeast-2"})
	for got, want := range map[string]string{
		l.NodeAddr("us-west-2"):                   "127.10.2.1:3306",
		l.LinkAddr("ap-northeast-2", "us-east-1"): "127.10.3.11:3306",
		l.LinkAddr("us-east-1", "us-east-1"):      "127.10.1.11:3306",
		l.QueueAddr("us-west-2"):                  "127.10.2.2:6379",
		l.FrontendAddr("us-east-1"):               "127.0.0.1:13000",
		l.BackendAddr("ap-northeast-2"):           "127.0.0.1:33001",
		l.DNSAddr("us-west-2"):                    "127.0.0.1:20053",
		l.EdgeAddr():                              "127.0.0.1:8080",
		l.ReaderName("us-west-2"):                 "reader.us-west-2.db.lab",
		l.WriterName():                            "writer.db.lab",
	} {
		if got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	}
	if l.Valid("eu-west-1") == nil || l.Valid("us-west-2") != nil {
		t.Error("Valid")
	}
}
