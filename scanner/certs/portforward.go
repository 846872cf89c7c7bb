package certs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/transport/spdy"

	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// ProbeService reads the certificate a service webhook serves: it port-forwards to a
// ready pod behind the Service (as kubectl port-forward does) and completes a TLS
// handshake presenting <service>.<namespace>.svc, sending nothing after it. port is the
// Service port the webhook names (443 when 0).
func ProbeService(ctx context.Context, cfg *rest.Config, namespace, service string, port int32, opts ProbeOptions) inventory.ServingCert {
	c := inventory.ServingCert{Via: "probe", Namespace: namespace, Service: service}
	chain, err := probeService(ctx, cfg, namespace, service, port, opts)
	if err != nil {
		c.Error = err.Error()
		return c
	}
	c.Chain = chain
	return c
}

func probeService(ctx context.Context, cfg *rest.Config, namespace, service string, port int32, opts ProbeOptions) ([][]byte, error) {
	if port == 0 {
		port = 443
	}
	// The API calls and the port-forward share a bound a few times the handshake's.
	limit := opts.Timeout
	if limit <= 0 {
		limit = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, 4*limit)
	defer cancel()
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	svc, err := cs.CoreV1().Services(namespace).Get(ctx, service, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	if len(svc.Spec.Selector) == 0 {
		return nil, fmt.Errorf("service %s/%s has no selector", namespace, service)
	}
	target := intstr.FromInt32(port)
	for _, p := range svc.Spec.Ports {
		if p.Port == port && (p.TargetPort.IntVal != 0 || p.TargetPort.StrVal != "") {
			target = p.TargetPort
		}
	}
	pods, err := cs.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: labels.SelectorFromSet(svc.Spec.Selector).String()})
	if err != nil {
		return nil, err
	}
	pod := readyPod(pods.Items)
	if pod == nil {
		return nil, fmt.Errorf("no ready pod behind Service %s/%s", namespace, service)
	}
	podPort, err := resolvePort(pod, target)
	if err != nil {
		return nil, err
	}
	transport, upgrader, err := spdy.RoundTripperFor(cfg)
	if err != nil {
		return nil, err
	}
	url := cs.CoreV1().RESTClient().Post().Resource("pods").Namespace(namespace).Name(pod.Name).SubResource("portforward").URL()
	dialer := spdy.NewDialer(upgrader, &http.Client{Transport: transport}, http.MethodPost, url)
	stop, ready := make(chan struct{}), make(chan struct{})
	defer close(stop)
	fw, err := portforward.NewOnAddresses(dialer, []string{"127.0.0.1"}, []string{"0:" + strconv.Itoa(int(podPort))}, stop, ready, io.Discard, io.Discard)
	if err != nil {
		return nil, err
	}
	failed := make(chan error, 1)
	go func() { failed <- fw.ForwardPorts() }()
	select {
	case <-ready:
	case err := <-failed:
		return nil, fmt.Errorf("port-forward to pod %s/%s: %v", namespace, pod.Name, err)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	ports, err := fw.GetPorts()
	if err != nil || len(ports) == 0 {
		return nil, errors.Join(errors.New("port-forward opened no local port"), err)
	}
	return Handshake(ctx, fmt.Sprintf("127.0.0.1:%d", ports[0].Local), service+"."+namespace+".svc", opts)
}

func readyPod(pods []corev1.Pod) *corev1.Pod {
	for i := range pods {
		p := &pods[i]
		if p.Status.Phase != corev1.PodRunning || p.DeletionTimestamp != nil {
			continue
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
				return p
			}
		}
	}
	return nil
}

// resolvePort turns a Service targetPort (a number or a container port name) into the
// pod's port number.
func resolvePort(pod *corev1.Pod, target intstr.IntOrString) (int32, error) {
	if target.Type == intstr.Int {
		return target.IntVal, nil
	}
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			if p.Name == target.StrVal {
				return p.ContainerPort, nil
			}
		}
	}
	return 0, fmt.Errorf("pod %s/%s has no port named %q", pod.Namespace, pod.Name, target.StrVal)
}
