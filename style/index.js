import './base.css';
import './inspector.css';
import './viewer.css';
