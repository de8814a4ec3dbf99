"""Large scientific instrument sharing (大型科研仪器开放共享): register, booking, usage, evaluation."""
